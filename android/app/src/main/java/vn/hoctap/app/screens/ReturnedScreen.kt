// Returned for correction (ReturnedView): each assessment a reviewer returned, with the thread.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object ReturnedScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        ui.empty(parent, v.str("empty_label"))
        for (item in v.objs("items")) {
            val id = item.s("id")
            val card = ui.tapCard(parent) { ui.send(Ev.open("Assessment", "id" to id)) }
            ui.text(card, item.s("subject_name"), 20f, bold = true)
            ui.muted(card, ui.string(R.string.model_year_revision, item.s("model_title"), item.optLong("year"), item.optLong("revision")))
            for (c in item.objs("comments")) comment(ui, card, c)
            ui.button(card, ui.string(R.string.action_view)) { ui.send(Ev.open("Assessment", "id" to id)) }
        }
    }

    /** A reviewer's comment: who, when, what. */
    fun comment(ui: Ui, parent: ViewGroup, c: JSONObject) {
        val who = listOfNotNull(c.str("author"), c.str("at")).joinToString(" · ")
        if (who.isNotEmpty()) ui.muted(parent, who)
        ui.text(parent, c.s("body"), 18f, color = Palette.WARNING)
    }
}
