// A screen whose data could not be read (UnavailableView): the core's message and the way back.
package vn.hoctap.app.screens

import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object UnavailableScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        ui.error(parent, v.s("message"))
        ui.button(parent, ui.string(R.string.back)) { ui.send(Ev.unit("Back")) }
    }
}
