// Effect ScanQr: the QR code is photographed with the phone's camera app (no CAMERA permission,
// no scanning library); the photo, scaled down to at most 1280 px, goes to the core as
// QrImage { bytes }, which decodes it (a DecodeQr task). Cancelled → QrCancelled.
package vn.hoctap.app.effects

import android.app.Activity
import android.content.ClipData
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.provider.MediaStore
import android.util.Log
import android.widget.Toast
import vn.hoctap.app.HoctapApplication
import vn.hoctap.app.MainActivity
import vn.hoctap.app.PhotoProvider
import vn.hoctap.app.R
import vn.hoctap.app.screens.Ev
import java.io.ByteArrayOutputStream
import java.io.File

object ScanQr {
    const val REQUEST = 43
    private const val MAX_SIDE = 1280

    fun launch(app: HoctapApplication, activity: MainActivity?) {
        val file = PhotoProvider.qrFile(app)
        file.delete()
        val uri = PhotoProvider.uriFor(app, file)
        if (activity == null || uri == null) {
            app.dispatch(Ev.unit("QrCancelled"))
            return
        }
        val intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            .putExtra(MediaStore.EXTRA_OUTPUT, uri)
            .addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION or Intent.FLAG_GRANT_READ_URI_PERMISSION)
        intent.clipData = ClipData.newRawUri("qr", uri)
        if (!activity.startForResult(intent, REQUEST, PendingRequest(PendingRequest.QR, "", file.path))) {
            Toast.makeText(app, R.string.no_camera, Toast.LENGTH_LONG).show()
            app.dispatch(Ev.unit("QrCancelled"))
        }
    }

    fun onResult(app: HoctapApplication, request: PendingRequest, resultCode: Int) {
        if (resultCode != Activity.RESULT_OK) {
            app.dispatch(Ev.unit("QrCancelled"))
            return
        }
        app.executor.execute {
            val bytes = scaled(File(request.target))
            File(request.target).delete()
            app.main.post {
                if (bytes == null) app.dispatch(Ev.unit("QrCancelled"))
                else app.dispatch(Ev.of("QrImage", "bytes" to Ev.bytes(bytes)))
            }
        }
    }

    /** The photo as a JPEG of at most [MAX_SIDE] px (a QR code needs well under 1 MP). */
    fun scaled(file: File): ByteArray? = try {
        val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
        BitmapFactory.decodeFile(file.path, bounds)
        var sample = 1
        while (bounds.outWidth / (sample * 2) >= MAX_SIDE || bounds.outHeight / (sample * 2) >= MAX_SIDE) sample *= 2
        val bmp = BitmapFactory.decodeFile(file.path, BitmapFactory.Options().apply { inSampleSize = sample })
        if (bmp == null) {
            null
        } else {
            val out = ByteArrayOutputStream()
            bmp.compress(Bitmap.CompressFormat.JPEG, 90, out)
            bmp.recycle()
            out.toByteArray()
        }
    } catch (e: Exception) {
        Log.w(HoctapApplication.TAG, "cannot read the QR photo", e)
        null
    }
}
