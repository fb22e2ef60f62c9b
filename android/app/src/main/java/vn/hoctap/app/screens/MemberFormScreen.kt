// The member form (MemberFormView): the fields, the core's choices for sex and schooling, and
// removal when editing. Every change goes to the core at once.
package vn.hoctap.app.screens

import android.text.InputType
import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object MemberFormScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        val input = v.optJSONObject("input") ?: JSONObject()
        fun change(key: String, value: Any?) {
            val next = JSONObject(input.toString())
            next.put(key, value ?: JSONObject.NULL)
            ui.send(Ev.of("MemberFormChanged", "input" to next))
        }
        ui.field(parent, "name", ui.string(R.string.field_name), input.s("name"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME or InputType.TYPE_TEXT_FLAG_CAP_WORDS,
            onChange = { change("name", it) })
        // A year typed so far that is not a number yet is kept out; the core checks the range.
        ui.field(parent, "birth_year", ui.string(R.string.field_birth_year),
            input.num("birth_year")?.toLong()?.toString() ?: "", InputType.TYPE_CLASS_NUMBER,
            onChange = { change("birth_year", it.trim().toIntOrNull()) })
        ui.text(parent, ui.string(R.string.field_sex), 18f, bold = true)
        val sexes = v.objs("sex_choices")
        ui.choices(parent, sexes.map { it.s("label") to (it.str("value") == input.str("sex")) }) { i ->
            val value = sexes[i].str("value")
            change("sex", if (value == input.str("sex")) null else value)
        }
        ui.field(parent, "relation", ui.string(R.string.field_relation), input.s("relation"),
            onChange = { change("relation", it.ifEmpty { null }) })
        ui.text(parent, ui.string(R.string.field_schooling), 18f, bold = true)
        val schooling = v.objs("schooling_choices")
        ui.choices(parent, schooling.map { it.s("label") to (it.str("value") == input.str("schooling")) }) { i ->
            val value = schooling[i].str("value")
            change("schooling", if (value == input.str("schooling")) null else value)
        }
        yesNo(ui, parent, ui.string(R.string.field_literate), input.flag("literate")) { change("literate", it) }
        yesNo(ui, parent, ui.string(R.string.field_cdht), input.flag("cdht")) { change("cdht", it) }
        ui.text(parent, ui.string(R.string.field_unable_to_learn), 18f, bold = true)
        val unable = input.bool("unable_to_learn")
        ui.choices(parent, listOf(ui.string(R.string.yes) to unable, ui.string(R.string.no) to !unable)) { i ->
            change("unable_to_learn", i == 0)
        }
        ui.button(parent, v.s("submit_label")) { ui.send(Ev.unit("SubmitForm")) }
        val memberId = v.str("member_id")
        if (v.bool("can_remove") && memberId != null) {
            ui.button(parent, ui.string(R.string.remove_member)) { ui.send(Ev.of("RemoveMember", "member_id" to memberId)) }
        }
    }

    /** Có / Không / Chưa rõ for an optional yes-no fact. */
    private fun yesNo(ui: Ui, parent: ViewGroup, label: String, value: Boolean?, onPick: (Boolean?) -> Unit) {
        ui.text(parent, label, 18f, bold = true)
        ui.choices(
            parent,
            listOf(ui.string(R.string.yes) to (value == true), ui.string(R.string.no) to (value == false),
                ui.string(R.string.unknown) to (value == null)),
        ) { i -> onPick(if (i == 0) true else if (i == 1) false else null) }
    }
}
