// Effect CapturePhoto { capture_id, target_path }: the phone's own camera app
// (MediaStore.ACTION_IMAGE_CAPTURE; no CAMERA permission) writes the JPEG through PhotoProvider
// straight to target_path; then PhotoCaptured or PhotoCancelled. The request is remembered in
// SharedPreferences: if the process is killed while the camera is open, the result still finds
// its capture, and the core (which recorded the capture before asking) processes a photo that
// arrived meanwhile at "Started".
package vn.hoctap.app.effects

import android.app.Activity
import android.content.ClipData
import android.content.Context
import android.content.Intent
import android.provider.MediaStore
import android.widget.Toast
import vn.hoctap.app.HoctapApplication
import vn.hoctap.app.MainActivity
import vn.hoctap.app.PhotoProvider
import vn.hoctap.app.R
import vn.hoctap.app.screens.Ev
import java.io.File

/** A request to another app (camera, gallery), kept across process death. */
data class PendingRequest(val kind: String, val captureId: String, val target: String) {
    fun save(context: Context) {
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit()
            .putString("kind", kind).putString("capture_id", captureId).putString("target", target).commit()
    }

    companion object {
        private const val PREFS = "pending-request"
        const val CAMERA = "camera"
        const val GALLERY = "gallery"
        const val QR = "qr"

        /** The request waiting for a result, taken (removed) so it is answered once. */
        fun take(context: Context): PendingRequest? {
            val p = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)
            val kind = p.getString("kind", null) ?: return null
            val r = PendingRequest(kind, p.getString("capture_id", "") ?: "", p.getString("target", "") ?: "")
            p.edit().clear().commit()
            return r
        }
    }
}

object CapturePhoto {
    const val REQUEST = 41

    fun launch(app: HoctapApplication, activity: MainActivity?, captureId: String, targetPath: String) {
        val uri = PhotoProvider.uriFor(app, File(targetPath))
        if (activity == null || uri == null) {
            app.dispatch(Ev.of("PhotoCancelled", "capture_id" to captureId))
            return
        }
        File(targetPath).parentFile?.mkdirs()
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            .putExtra(MediaStore.EXTRA_OUTPUT, uri)
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
        intent.clipData = ClipData.newRawUri("photo", uri)
        if (!activity.startForResult(intent, REQUEST, PendingRequest(PendingRequest.CAMERA, captureId, targetPath))) {
            Toast.makeText(app, R.string.no_camera, Toast.LENGTH_LONG).show()
            app.dispatch(Ev.of("PhotoCancelled", "capture_id" to captureId))
        }
    }

    /** The camera app is back: the JPEG is at the target (the core checks it is there). */
    fun onResult(app: HoctapApplication, request: PendingRequest, resultCode: Int) {
        if (resultCode == Activity.RESULT_OK) {
            app.dispatch(Ev.of("PhotoCaptured", "capture_id" to request.captureId))
        } else {
            app.dispatch(Ev.of("PhotoCancelled", "capture_id" to request.captureId))
        }
    }
}
