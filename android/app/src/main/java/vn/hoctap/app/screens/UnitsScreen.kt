// Units (UnitListView): schools, offices and enterprises; a tap opens one.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject

object UnitsScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        ui.empty(parent, v.str("empty_label"))
        for (u in v.objs("units")) {
            val id = u.s("id")
            val card = ui.tapCard(parent) { ui.send(Ev.open("Unit", "id" to id)) }
            ui.text(card, u.s("name"), 20f, bold = true)
            ui.muted(card, listOfNotNull(u.str("kind_label"), u.str("hamlet")).joinToString(" · "))
        }
    }
}
