// Clans (ClanListView): each clan with its households and hamlets; a tap opens it.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object ClansScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        ui.empty(parent, v.str("empty_label"))
        for (c in v.objs("clans")) {
            val id = c.s("id")
            val card = ui.tapCard(parent) { ui.send(Ev.open("Clan", "id" to id)) }
            ui.text(card, c.s("name"), 20f, bold = true)
            ui.muted(card, ui.string(R.string.households_count, c.optLong("households")))
            c.str("hamlets")?.let { if (it.isNotEmpty()) ui.muted(card, it) }
        }
    }
}
