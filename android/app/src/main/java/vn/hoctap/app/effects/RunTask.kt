// Effect RunTask { task }: AppShell.runTask blocks (photo processing, sync, enrollment, QR
// decoding), so it runs on a worker thread of the process; the event it returns is dispatched
// on the main thread. The main thread never waits for it.
package vn.hoctap.app.effects

import android.util.Log
import android.widget.Toast
import org.json.JSONObject
import vn.hoctap.app.HoctapApplication
import vn.hoctap.app.R

object RunTask {
    /** Run [task] off the main thread; dispatch its event, then call [done] with it (main thread). */
    fun run(app: HoctapApplication, task: JSONObject, done: ((String?) -> Unit)? = null) {
        val shell = app.shell
        if (shell == null) {
            done?.invoke(null)
            return
        }
        val json = task.toString()
        app.executor.execute {
            val event = try {
                shell.runTask(json)
            } catch (e: Exception) {
                Log.e(HoctapApplication.TAG, "task failed: $json", e)
                null
            }
            app.main.post {
                if (event != null) app.dispatch(event)
                else Toast.makeText(app, R.string.task_failed, Toast.LENGTH_LONG).show()
                done?.invoke(event)
            }
        }
    }
}
