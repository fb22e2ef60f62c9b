// The loop, as in bindings/README.md: every tap becomes an event dispatched on the main thread;
// the effects go to EffectRunner; "Render" draws AppShell.view() with ScreenRenderer. Lifecycle:
// Started once per process (HoctapApplication), Resumed after the app was in the background,
// Paused from onStop, Back for system back. Results of the camera and gallery come back here,
// also after the process was killed while they were open.
package vn.hoctap.app

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Intent
import android.os.Bundle
import android.util.Log
import android.view.View
import android.view.WindowInsets
import org.json.JSONObject
import vn.hoctap.app.effects.CapturePhoto
import vn.hoctap.app.effects.KeepScreenOn
import vn.hoctap.app.effects.Notify
import vn.hoctap.app.effects.PendingRequest
import vn.hoctap.app.effects.PickPhoto
import vn.hoctap.app.effects.ScanQr
import vn.hoctap.app.screens.Ev
import vn.hoctap.app.screens.ScreenRenderer
import vn.hoctap.app.screens.Ui

class MainActivity : Activity() {
    private val app: HoctapApplication get() = application as HoctapApplication
    lateinit var renderer: ScreenRenderer
        private set

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val ui = Ui(this) { event -> app.dispatch(event) }
        renderer = ScreenRenderer(ui)
        setContentView(renderer.root)
        renderer.root.setOnApplyWindowInsetsListener { v, insets -> pad(v, insets) }
        app.activity = this
        KeepScreenOn.apply(this, app.keepScreenOn)
        renderer.status(getString(R.string.opening), spinning = true)
        app.withShell { shell ->
            if (shell == null) renderer.status(app.openError ?: getString(R.string.open_failed), spinning = false)
            else render()
        }
        Notify.askPermission(this)
    }

    /** Edge to edge (Android 15 with targetSdk 35): keep the content clear of the system bars
     *  and the keyboard. The pre-API-30 inset getters work on every version from 26. */
    @Suppress("DEPRECATION")
    private fun pad(v: View, insets: WindowInsets): WindowInsets {
        v.setPadding(insets.systemWindowInsetLeft, insets.systemWindowInsetTop,
            insets.systemWindowInsetRight, insets.systemWindowInsetBottom)
        return insets
    }

    override fun onStart() {
        super.onStart()
        app.activity = this
        if (app.backgrounded && app.shell != null) {
            app.backgrounded = false
            app.dispatch(Ev.unit("Resumed"))
        }
    }

    override fun onStop() {
        // A field that sends on leaving (onLeave) is flushed before the state is saved.
        currentFocus?.clearFocus()
        if (app.shell != null) {
            app.backgrounded = true
            app.dispatch(Ev.unit("Paused"))
        }
        super.onStop()
    }

    override fun onDestroy() {
        renderer.detach()
        if (app.activity === this) app.activity = null
        super.onDestroy()
    }

    @Deprecated("Platform back handling; the core decides what back does")
    @Suppress("DEPRECATION")
    override fun onBackPressed() {
        if (app.shell == null) super.onBackPressed() else app.dispatch(Ev.unit("Back"))
    }

    /** Draw the core's current view model. */
    fun render() {
        val shell = app.shell ?: return
        val json = try {
            shell.view()
        } catch (e: Exception) {
            Log.e(HoctapApplication.TAG, "view failed", e)
            return
        }
        renderer.render(JSONObject(json))
    }

    /** Start another app for a result, remembering what for; false if no app can do it. */
    fun startForResult(intent: Intent, requestCode: Int, request: PendingRequest): Boolean {
        request.save(this)
        return try {
            startActivityForResult(intent, requestCode)
            true
        } catch (e: ActivityNotFoundException) {
            PendingRequest.take(this)
            false
        } catch (e: SecurityException) {
            PendingRequest.take(this)
            false
        }
    }

    @Deprecated("Platform activity results")
    @Suppress("DEPRECATION")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        val request = PendingRequest.take(this) ?: return
        // After a process death the core is opened (and "Started" dispatched) first.
        app.withShell { shell ->
            if (shell == null) return@withShell
            when (requestCode) {
                CapturePhoto.REQUEST -> CapturePhoto.onResult(app, request, resultCode)
                PickPhoto.REQUEST -> PickPhoto.onResult(app, request, resultCode, data)
                ScanQr.REQUEST -> ScanQr.onResult(app, request, resultCode)
            }
        }
    }
}
