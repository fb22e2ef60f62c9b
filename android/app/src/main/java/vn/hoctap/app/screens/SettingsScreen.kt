// Settings (SettingsView): the device's name, photos over Wi-Fi only, the year assessed, the
// enrollment, the storage used, the version; "Đăng ký lại".
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object SettingsScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        ui.field(parent, "device_name", ui.string(R.string.device_name), v.s("device_name"),
            onChange = { ui.send(Ev.of("SetDeviceName", "name" to it)) })
        ui.text(parent, ui.string(R.string.photos_wifi_only), 18f, bold = true)
        val wifi = v.bool("photos_wifi_only")
        ui.choices(parent, listOf(ui.string(R.string.yes) to wifi, ui.string(R.string.no) to !wifi)) { i ->
            ui.send(Ev.of("SetPhotosWifiOnly", "on" to (i == 0)))
        }
        val year = v.optInt("year")
        ui.text(parent, ui.string(R.string.year_assessed), 18f, bold = true)
        val r = ui.row(parent)
        ui.button(r, "−", params = ui.weighted()) { ui.send(Ev.of("SetYear", "year" to year - 1)) }
        ui.text(r, year.toString(), 24f, bold = true).apply {
            gravity = android.view.Gravity.CENTER
            layoutParams = ui.weighted()
        }
        ui.button(r, "+", params = ui.weighted()) { ui.send(Ev.of("SetYear", "year" to year + 1)) }
        val c = ui.card(parent)
        ui.text(c, ui.string(R.string.server, v.str("server") ?: "—"))
        ui.text(c, ui.string(R.string.device_id, v.str("device_id") ?: "—"))
        ui.text(c, ui.string(R.string.enrolled_at, v.str("enrolled_at") ?: "—"))
        ui.text(c, ui.string(R.string.storage_used, v.s("storage_label")))
        ui.text(c, ui.string(R.string.app_version, v.s("app_version")))
        ui.button(parent, ui.string(R.string.reenroll)) { ui.send(Ev.unit("Reenroll")) }
    }
}
