// Home (HomeView): progress against the province's targets, the hamlets, and the way to every
// other part of the app.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object HomeScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject, sync: JSONObject) {
        val progress = v.objs("progress")
        if (progress.isNotEmpty()) {
            ui.heading(parent, ui.string(R.string.home_progress))
            for (p in progress) {
                val c = ui.card(parent)
                ui.text(c, p.s("title"), 20f, bold = true)
                val color = when (p.flag("meets_target")) {
                    true -> Palette.SUCCESS
                    false -> Palette.WARNING
                    null -> Palette.TEXT
                }
                ui.text(c, p.s("label"), 18f, color = color)
            }
        }
        ui.heading(parent, ui.string(R.string.home_hamlets))
        ui.empty(parent, v.str("empty_label"))
        for (h in v.objs("hamlets")) {
            val id = h.s("id")
            val c = ui.tapCard(parent) { ui.send(Ev.open("Households", "hamlet_id" to id)) }
            ui.text(c, h.s("name"), 20f, bold = true)
            ui.muted(c, "${h.s("kind_label")} · ${ui.string(R.string.households_count, h.optLong("households"))}")
            ui.button(c, ui.string(R.string.open_community)) { ui.send(Ev.open("Hamlet", "id" to id)) }
        }
        ui.heading(parent, ui.string(R.string.home_more))
        ui.button(parent, ui.string(R.string.all_households)) { ui.send(Ev.open("Households", "hamlet_id" to null)) }
        ui.button(parent, ui.string(R.string.clans)) { ui.send(Ev.open("Clans")) }
        ui.button(parent, ui.string(R.string.units)) { ui.send(Ev.open("Units")) }
        ui.button(parent, ui.string(R.string.outbox_with_count, sync.optLong("queued"))) { ui.send(Ev.open("Outbox")) }
        ui.button(parent, ui.string(R.string.returned_with_count, sync.optLong("returned"))) { ui.send(Ev.open("Returned")) }
        ui.button(parent, ui.string(R.string.summary)) { ui.send(Ev.open("Summary")) }
        ui.button(parent, ui.string(R.string.settings)) { ui.send(Ev.open("Settings")) }
    }
}
