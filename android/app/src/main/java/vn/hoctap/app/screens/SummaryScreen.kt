// The year's summary (SummaryView): per model, registered, assessed, passed and the target.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object SummaryScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        ui.heading(parent, ui.string(R.string.summary_year, v.optLong("year")))
        for (r in v.objs("rows")) {
            val c = ui.card(parent)
            ui.text(c, r.s("title"), 20f, bold = true)
            ui.text(c, r.s("label"), 18f, color = when (r.flag("meets_target")) {
                true -> Palette.SUCCESS
                false -> Palette.WARNING
                null -> Palette.TEXT
            })
            ui.muted(c, ui.string(R.string.summary_counts, r.optLong("registered"), r.optLong("assessed"),
                r.optLong("passed"), r.optLong("all")))
        }
    }
}
