// Enrollment (EnrollmentView): scan the commune's QR code, or type the server and the code.
package vn.hoctap.app.screens

import android.text.InputType
import android.view.ViewGroup
import android.widget.ProgressBar
import org.json.JSONObject
import vn.hoctap.app.R

object EnrollmentScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        val busy = v.bool("busy") || v.bool("decoding_qr")
        if (v.bool("reenroll")) ui.text(parent, ui.string(R.string.enroll_again_note), 18f, color = Palette.WARNING)
        ui.text(parent, v.s("help"), 18f)
        v.str("error")?.let { ui.error(parent, it) }
        ui.button(parent, ui.string(R.string.scan_qr), enabled = !busy) { ui.send(Ev.unit("ScanQr")) }
        ui.heading(parent, ui.string(R.string.enroll_by_hand))
        ui.field(
            parent, "server", ui.string(R.string.enroll_server), v.s("server"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_URI, enabled = !busy,
            onChange = { ui.send(Ev.of("EnrollServerChanged", "text" to it)) },
        )
        ui.field(
            parent, "code", ui.string(R.string.enroll_code), v.s("code"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS, enabled = !busy,
            onChange = { ui.send(Ev.of("EnrollCodeChanged", "text" to it)) },
        )
        ui.button(parent, ui.string(R.string.enroll_submit), enabled = !busy) { ui.send(Ev.unit("EnrollSubmit")) }
        if (busy) {
            parent.addView(ProgressBar(ui.activity), ui.wide(8))
            ui.muted(parent, ui.string(if (v.bool("decoding_qr")) R.string.decoding_qr else R.string.enrolling))
        }
    }
}
