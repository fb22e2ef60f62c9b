// The outbox (OutboxView): what waits, what was sent, what was set aside and why; "Gửi ngay";
// per item the actions the core offers (open, retry, keep as draft).
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object OutboxScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        val c = ui.card(parent)
        ui.text(c, ui.string(R.string.outbox_queued, v.optLong("queued")), 20f, bold = true)
        ui.text(c, ui.string(R.string.outbox_sent, v.optLong("sent")))
        ui.text(c, ui.string(R.string.outbox_returned, v.optLong("returned")))
        ui.text(c, ui.string(R.string.outbox_problems, v.optLong("problems")),
            color = if (v.optLong("problems") > 0) Palette.ERROR else Palette.TEXT)
        ui.button(parent, ui.string(R.string.send_now), enabled = v.bool("can_send_now")) { ui.send(Ev.unit("SendNow")) }
        ui.empty(parent, v.str("empty_label"))
        for (item in v.objs("items")) {
            val id = item.s("id")
            val card = ui.card(parent)
            ui.text(card, item.s("subject_name"), 20f, bold = true)
            ui.muted(card, ui.string(R.string.model_year_revision, item.s("model_title"), item.optLong("year"), item.optLong("revision")))
            ui.text(card, item.s("state_label"), 18f, color = Palette.PRIMARY)
            item.str("reason")?.let { ui.text(card, it, 18f, color = Palette.WARNING) }
            ui.muted(card, ui.string(R.string.photos_count, item.optLong("photos")))
            ui.muted(card, ui.string(R.string.finalized_at, item.s("finalized_at")))
            item.str("sent_at")?.let { ui.muted(card, ui.string(R.string.sent_at, it)) }
            if (item.bool("superseded")) ui.muted(card, ui.string(R.string.superseded))
            for (a in item.values("actions")) {
                when (variant(a).first) {
                    "Open" -> ui.button(card, ui.string(R.string.action_view)) { ui.send(Ev.open("Assessment", "id" to id)) }
                    "Retry" -> ui.button(card, ui.string(R.string.retry)) { ui.send(Ev.of("RetryItem", "assessment_id" to id)) }
                    "KeepAsDraft" -> ui.button(card, ui.string(R.string.keep_as_draft)) {
                        ui.send(Ev.of("KeepAsDraft", "assessment_id" to id))
                    }
                }
            }
        }
    }
}
