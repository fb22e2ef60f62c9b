// Effect PickPhoto { capture_id, target_path }: the gallery (ACTION_GET_CONTENT, image/*; or
// ACTION_PICK where no app answers it); the picked image is copied to target_path off the main
// thread, then PhotoCaptured (or PhotoCancelled).
package vn.hoctap.app.effects

import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.provider.MediaStore
import android.util.Log
import android.widget.Toast
import vn.hoctap.app.HoctapApplication
import vn.hoctap.app.MainActivity
import vn.hoctap.app.R
import vn.hoctap.app.screens.Ev
import java.io.File
import java.io.FileOutputStream

object PickPhoto {
    const val REQUEST = 42

    fun launch(app: HoctapApplication, activity: MainActivity?, captureId: String, targetPath: String) {
        if (activity == null) {
            app.dispatch(Ev.of("PhotoCancelled", "capture_id" to captureId))
            return
        }
        val request = PendingRequest(PendingRequest.GALLERY, captureId, targetPath)
        val get = Intent(Intent.ACTION_GET_CONTENT).setType("image/*").addCategory(Intent.CATEGORY_OPENABLE)
        if (activity.startForResult(get, REQUEST, request)) return
        val pick = Intent(Intent.ACTION_PICK, MediaStore.Images.Media.EXTERNAL_CONTENT_URI)
        if (activity.startForResult(pick, REQUEST, request)) return
        Toast.makeText(app, R.string.no_gallery, Toast.LENGTH_LONG).show()
        app.dispatch(Ev.of("PhotoCancelled", "capture_id" to captureId))
    }

    fun onResult(app: HoctapApplication, request: PendingRequest, resultCode: Int, data: Intent?) {
        val uri = data?.data
        if (resultCode != Activity.RESULT_OK || uri == null) {
            app.dispatch(Ev.of("PhotoCancelled", "capture_id" to request.captureId))
            return
        }
        app.executor.execute {
            val ok = copy(app, uri, File(request.target))
            app.main.post {
                app.dispatch(Ev.of(if (ok) "PhotoCaptured" else "PhotoCancelled", "capture_id" to request.captureId))
            }
        }
    }

    /** Copy the picked image: written whole, synced, then renamed into place. */
    fun copy(app: HoctapApplication, uri: Uri, target: File): Boolean = try {
        target.parentFile?.mkdirs()
        val tmp = File(target.path + ".part")
        val input = app.contentResolver.openInputStream(uri) ?: throw java.io.IOException("no stream for $uri")
        input.use { i -> FileOutputStream(tmp).use { o -> i.copyTo(o); o.fd.sync() } }
        tmp.renameTo(target)
    } catch (e: Exception) {
        Log.w(HoctapApplication.TAG, "cannot copy the picked image", e)
        false
    }
}
