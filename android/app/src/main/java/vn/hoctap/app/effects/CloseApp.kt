// Effect CloseApp: back on the first screen; the app goes to the background (the task stays,
// so the cadre comes back where they were).
package vn.hoctap.app.effects

import android.app.Activity

object CloseApp {
    fun perform(activity: Activity?) {
        activity?.moveTaskToBack(true)
    }
}
