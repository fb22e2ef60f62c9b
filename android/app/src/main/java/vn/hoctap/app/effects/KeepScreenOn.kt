// Effect KeepScreenOn { on }: the window flag, while a photo is processed.
package vn.hoctap.app.effects

import android.app.Activity
import android.view.WindowManager
import vn.hoctap.app.HoctapApplication

object KeepScreenOn {
    fun apply(app: HoctapApplication, on: Boolean) {
        app.keepScreenOn = on
        app.activity?.let { apply(it, on) }
    }

    fun apply(activity: Activity, on: Boolean) {
        if (on) activity.window.addFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
        else activity.window.clearFlags(WindowManager.LayoutParams.FLAG_KEEP_SCREEN_ON)
    }
}
