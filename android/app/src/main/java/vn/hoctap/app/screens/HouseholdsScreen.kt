// The household list (HouseholdListView): search as you type, status filter chips, the rows
// loaded so far and "Xem thêm" for the next page.
package vn.hoctap.app.screens

import android.text.InputType
import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object HouseholdsScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        v.str("hamlet_name")?.let { ui.heading(parent, it) }
        ui.muted(parent, ui.string(R.string.households_count, v.optLong("total")))
        ui.field(
            parent, "search", ui.string(R.string.search_households), v.s("search"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PERSON_NAME,
            onChange = { ui.send(Ev.of("SearchChanged", "text" to it)) },
        )
        val filters = v.objs("filters")
        ui.choices(parent, filters.map { it.s("label") to it.bool("selected") }) { i ->
            ui.send(Ev.of("FilterChanged", "status" to filters[i].str("status")))
        }
        v.str("hamlet_id")?.let { hamlet ->
            ui.button(parent, ui.string(R.string.add_household)) { ui.send(Ev.open("NewHousehold", "hamlet_id" to hamlet)) }
        }
        ui.empty(parent, v.str("empty_label"))
        for (r in v.objs("rows")) {
            val id = r.s("id")
            val c = ui.tapCard(parent) { ui.send(Ev.open("Household", "id" to id)) }
            ui.text(c, r.s("head"), 20f, bold = true)
            val place = listOfNotNull(r.str("roster_code"), r.str("address"), r.str("hamlet")).joinToString(" · ")
            if (place.isNotEmpty()) ui.muted(c, place)
            val status = buildString {
                append(r.s("status_label"))
                r.num("total")?.let { append(" — ").append(ui.string(R.string.points_total, points(it))) }
            }
            ui.text(c, status, 18f, color = Palette.PRIMARY)
            r.str("comment")?.let { ui.text(c, it, 18f, color = Palette.WARNING) }
        }
        if (v.bool("has_more")) ui.button(parent, ui.string(R.string.load_more)) { ui.send(Ev.unit("LoadMore")) }
    }
}
