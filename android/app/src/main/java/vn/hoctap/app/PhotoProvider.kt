// A tiny ContentProvider of our own (no AndroidX FileProvider): it lets the camera app write
// the photo straight to the file the core named (inside the data directory) or to the QR photo
// in the cache, through a content:// URI granted for this one request. Not exported; nothing
// outside those two places can be reached.
package vn.hoctap.app

import android.content.ContentProvider
import android.content.ContentValues
import android.content.Context
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.OpenableColumns
import java.io.File
import java.io.FileNotFoundException

class PhotoProvider : ContentProvider() {
    override fun onCreate(): Boolean = true

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        val ctx = context ?: throw FileNotFoundException("no context")
        val file = fileFor(ctx, uri) ?: throw FileNotFoundException("not ours: $uri")
        if (mode.contains('w')) file.parentFile?.mkdirs()
        return ParcelFileDescriptor.open(file, ParcelFileDescriptor.parseMode(mode))
    }

    override fun getType(uri: Uri): String = "image/jpeg"

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor? {
        val ctx = context ?: return null
        val file = fileFor(ctx, uri) ?: return null
        val columns = projection ?: arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)
        val cursor = MatrixCursor(columns)
        cursor.addRow(columns.map<String, Any> { if (it == OpenableColumns.SIZE) file.length() else file.name }.toTypedArray())
        return cursor
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null

    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int = 0

    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?): Int = 0

    companion object {
        const val AUTHORITY = "vn.hoctap.app.photos"
        private const val DATA = "data"
        private const val QR = "qr"

        private fun dataRoot(ctx: Context) = File(ctx.filesDir, "hoctap").canonicalFile
        private fun qrRoot(ctx: Context) = File(ctx.cacheDir, "qr").canonicalFile

        /** Where the camera writes the photo of a QR code. */
        fun qrFile(ctx: Context): File = File(qrRoot(ctx), "qr.jpg")

        /** The URI of [file], which must lie inside the data directory or the QR cache. */
        fun uriFor(ctx: Context, file: File): Uri? {
            val f = file.canonicalFile
            for ((root, name) in listOf(dataRoot(ctx) to DATA, qrRoot(ctx) to QR)) {
                val rel = f.path.removePrefix(root.path + File.separator)
                if (rel != f.path) {
                    val b = Uri.Builder().scheme("content").authority(AUTHORITY).appendPath(name)
                    for (segment in rel.split(File.separatorChar)) b.appendPath(segment)
                    return b.build()
                }
            }
            return null
        }

        /** The file behind [uri], or null if it would leave its root. */
        fun fileFor(ctx: Context, uri: Uri): File? {
            if (uri.authority != AUTHORITY) return null
            val segments = uri.pathSegments
            if (segments.size < 2) return null
            val root = when (segments[0]) {
                DATA -> dataRoot(ctx)
                QR -> qrRoot(ctx)
                else -> return null
            }
            val file = File(root, segments.drop(1).joinToString(File.separator)).canonicalFile
            return if (file.path.startsWith(root.path + File.separator)) file else null
        }
    }
}
