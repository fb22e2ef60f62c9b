// Routes every Effect of the core (app/src/effect.rs) to the file that performs it. Effects
// that need a window go to the activity on display; without one (a background sync) they are
// answered as the core expects (a capture with no camera is cancelled).
package vn.hoctap.app

import android.util.Log
import org.json.JSONArray
import org.json.JSONObject
import vn.hoctap.app.effects.CapturePhoto
import vn.hoctap.app.effects.CloseApp
import vn.hoctap.app.effects.KeepScreenOn
import vn.hoctap.app.effects.Notify
import vn.hoctap.app.effects.PickPhoto
import vn.hoctap.app.effects.RunTask
import vn.hoctap.app.effects.ScanQr
import vn.hoctap.app.effects.ScheduleSync
import vn.hoctap.app.screens.bool
import vn.hoctap.app.screens.s
import vn.hoctap.app.screens.variant

class EffectRunner(private val app: HoctapApplication) {
    fun performAll(effects: JSONArray) {
        for (i in 0 until effects.length()) perform(effects.get(i))
    }

    fun perform(effect: Any) {
        val (name, data) = variant(effect)
        val d = data ?: JSONObject()
        val activity = app.activity
        when (name) {
            "Render" -> activity?.render()
            "CapturePhoto" -> CapturePhoto.launch(app, activity, d.s("capture_id"), d.s("target_path"))
            "PickPhoto" -> PickPhoto.launch(app, activity, d.s("capture_id"), d.s("target_path"))
            "ScanQr" -> ScanQr.launch(app, activity)
            "RunTask" -> RunTask.run(app, d.optJSONObject("task") ?: JSONObject())
            "ScheduleSync" -> ScheduleSync.schedule(app, d.s("records_network"), d.s("photos_network"))
            "Notify" -> Notify.post(app, d.s("title"), d.s("body"))
            "KeepScreenOn" -> KeepScreenOn.apply(app, d.bool("on"))
            "CloseApp" -> CloseApp.perform(activity)
            else -> Log.w(HoctapApplication.TAG, "unknown effect $name")
        }
    }
}
