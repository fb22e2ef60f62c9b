// A household (HouseholdView): its facts, Gia đình học tập, its members each with Công dân học
// tập, and the forms to change them.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object HouseholdScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        val id = v.s("id")
        ui.heading(parent, v.s("head"))
        for (line in listOfNotNull(v.str("roster_code"), v.str("address"), v.str("phone"), v.str("hamlet"))) {
            ui.muted(parent, line)
        }
        ui.button(parent, ui.string(R.string.edit_household)) { ui.send(Ev.open("EditHousehold", "id" to id)) }
        v.obj("gia_dinh")?.let { ui.statusCard(parent, it) }
        ui.heading(parent, ui.string(R.string.members))
        for (m in v.objs("members")) {
            val memberId = m.s("id")
            val c = ui.tapCard(parent) { ui.send(Ev.open("EditMember", "member_id" to memberId)) }
            ui.text(c, m.s("name"), 20f, bold = true)
            val facts = listOfNotNull(
                m.num("birth_year")?.let { y ->
                    val age = m.num("age")?.let { ui.string(R.string.age, it.toLong()) }
                    if (age != null) "${y.toLong()} ($age)" else y.toLong().toString()
                },
                m.str("sex_label"), m.str("relation"), m.str("schooling_label"),
                m.flag("literate")?.let { ui.string(if (it) R.string.literate_yes else R.string.literate_no) },
                if (m.bool("unable_to_learn")) ui.string(R.string.unable_to_learn) else null,
            ).joinToString(" · ")
            if (facts.isNotEmpty()) ui.muted(c, facts)
            m.obj("cdht")?.let { ui.statusCard(c, it) }
        }
        ui.button(parent, ui.string(R.string.add_member)) { ui.send(Ev.open("NewMember", "household_id" to id)) }
        ui.button(parent, ui.string(R.string.remove_household)) { ui.send(Ev.of("RemoveHousehold", "household_id" to id)) }
    }
}
