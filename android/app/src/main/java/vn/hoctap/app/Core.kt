// The one HoctapApp of the process, opened on the app's files directory and encrypted at rest
// with the data key from the Android Keystore (DataKeyStore), and a helper that runs its
// blocking calls on Dispatchers.IO (SQLite, photo processing and network all block).
package vn.hoctap.app

import android.content.Context
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import vn.hoctap.core.HoctapApp
import vn.hoctap.core.HoctapException
import vn.hoctap.core.defaultAppOptions
import java.io.File

object Core {
    @Volatile private var app: HoctapApp? = null

    fun get(context: Context): HoctapApp =
        app ?: synchronized(this) {
            app ?: open(context).also { app = it }
        }

    /** Clear data of an earlier version is encrypted by this first keyed open, without loss. */
    private fun open(context: Context): HoctapApp {
        val key = DataKeyStore.dataKey(context)
        try {
            return HoctapApp.openEncrypted(File(context.filesDir, "hoctap").path, key, defaultAppOptions())
        } finally {
            key.fill(0)
        }
    }

    /** Run a core call off the main thread. */
    suspend fun <T> call(context: Context, block: (HoctapApp) -> T): T =
        withContext(Dispatchers.IO) { block(get(context.applicationContext)) }

    /** The text to show: HoctapException messages are Vietnamese already. */
    fun message(e: Throwable): String = when (e) {
        is HoctapException -> e.message ?: "Lỗi"
        else -> "Lỗi không xác định: ${e.message}"
    }
}
