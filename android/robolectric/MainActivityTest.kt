// Robolectric: MainActivity on the JVM, on the real app core (the host libhoctap_ffi through
// JNA), with the app's real resources (the aapt output of android/ci-check). It launches the
// activity, waits for the core to open and render, and drives the enrollment screen through
// its widgets only: typing, submitting, the core's Vietnamese error, system back.
package vn.hoctap.app

import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35])
class MainActivityTest {
    private fun views(v: View): List<View> =
        if (v is ViewGroup) listOf(v) + (0 until v.childCount).flatMap { views(v.getChildAt(it)) } else listOf(v)

    /** Run the main looper until [done] (tasks and the core's opening run on worker threads). */
    private fun waitFor(what: String, done: () -> Boolean) {
        val until = System.currentTimeMillis() + 60_000
        while (!done()) {
            check(System.currentTimeMillis() < until) { "timed out waiting for $what" }
            shadowOf(Looper.getMainLooper()).idle()
            Thread.sleep(20)
        }
    }

    @Test
    fun enrollmentScreenOnTheRealCore() {
        val app = RuntimeEnvironment.getApplication() as HoctapApplication
        // No Android Keystore on the JVM: a fixed test key (the data is still encrypted).
        app.dataKey = { ByteArray(32) { 7 } }
        val activity = Robolectric.buildActivity(MainActivity::class.java).setup().get()
        waitFor("the first render") { activity.renderer.screenKind.isNotEmpty() }
        assertEquals("Enrollment", activity.renderer.screenKind)
        val root = activity.renderer.root
        val texts = { views(root).filterIsInstance<TextView>().map { it.text.toString() } }
        assertTrue(texts().contains("Quét mã QR"))

        val server = views(root).filterIsInstance<EditText>().first { it.contentDescription == "Địa chỉ máy chủ" }
        server.setText("http://127.0.0.1:9")
        waitFor("the typed server in the core's view") { app.shell!!.view().contains("http://127.0.0.1:9") }

        views(root).filterIsInstance<Button>().first { it.text == "Đăng ký máy" }.performClick()
        // An empty code: the core answers with a Vietnamese error, drawn on the screen.
        waitFor("the core's error") { app.shell!!.view().contains("\"error\":\"") }
        val error = org.json.JSONObject(app.shell!!.view()).getJSONObject("screen")
            .getJSONObject("Enrollment").getString("error")
        waitFor("the error drawn") { texts().contains(error) }
        println("enrollment error shown: $error")

        // System back on the first screen: the core says CloseApp; the task goes to the back.
        @Suppress("DEPRECATION")
        activity.onBackPressed()
        shadowOf(Looper.getMainLooper()).idle()
        assertEquals("Enrollment", activity.renderer.screenKind)
    }
}
