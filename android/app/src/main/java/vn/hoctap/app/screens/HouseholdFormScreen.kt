// The household form (HouseholdFormView): every change goes to the core at once (it keeps the
// form across process death); the core checks and saves on submit.
package vn.hoctap.app.screens

import android.text.InputType
import android.view.ViewGroup
import org.json.JSONObject
import vn.hoctap.app.R

object HouseholdFormScreen {
    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        val input = v.optJSONObject("input") ?: JSONObject()
        fun change(key: String, text: String, optional: Boolean) {
            val next = JSONObject(input.toString())
            next.put(key, if (optional && text.isEmpty()) JSONObject.NULL else text)
            ui.send(Ev.of("HouseholdFormChanged", "input" to next))
        }
        ui.field(parent, "head", ui.string(R.string.field_head), input.s("head"),
            onChange = { change("head", it, false) })
        ui.field(parent, "address", ui.string(R.string.field_address), input.s("address"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_POSTAL_ADDRESS,
            onChange = { change("address", it, true) })
        ui.field(parent, "phone", ui.string(R.string.field_phone), input.s("phone"), InputType.TYPE_CLASS_PHONE,
            onChange = { change("phone", it, true) })
        ui.field(parent, "roster_code", ui.string(R.string.field_roster_code), input.s("roster_code"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS,
            onChange = { change("roster_code", it, true) })
        ui.button(parent, v.s("submit_label")) { ui.send(Ev.unit("SubmitForm")) }
    }
}
