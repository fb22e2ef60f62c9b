// The process: one AppShell (the app core over the encrypted data in filesDir/hoctap), opened
// once off the main thread; the worker threads that run its tasks; the screen on display; the
// platform's connectivity reported to the core. Shared by MainActivity and SyncJobService.
package vn.hoctap.app

import android.app.Application
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.util.Log
import org.json.JSONArray
import vn.hoctap.app.effects.Notify
import vn.hoctap.app.screens.Ev
import vn.hoctap.core.AppShell
import vn.hoctap.core.HoctapException
import java.io.File
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

class HoctapApplication : Application() {
    /** Worker threads for the core's tasks (photo processing, sync, enrollment, QR decoding). */
    val executor: ExecutorService = Executors.newCachedThreadPool()
    val main = Handler(Looper.getMainLooper())

    /** The app core, once open (main thread reads it; set on the main thread). */
    var shell: AppShell? = null
        private set

    /** Why the data could not be opened (Vietnamese), when it could not. */
    var openError: String? = null
        private set

    /** The activity on display, if any: effects that need a window go to it. */
    var activity: MainActivity? = null

    /** The last KeepScreenOn asked by the core, applied to every new window. */
    var keepScreenOn = false

    /** The app went to the background since it started (the next start is a Resumed). */
    var backgrounded = false

    /** Where the 32-byte data key comes from: the Keystore (a JVM test without one sets its own). */
    var dataKey: (Application) -> ByteArray = { DataKeyStore.dataKey(it) }

    private var opening = false
    private val waiting = ArrayList<(AppShell?) -> Unit>()
    private var online = false
    private var unmetered = false

    val hoctapDir: File get() = File(filesDir, "hoctap")

    override fun onCreate() {
        super.onCreate()
        Notify.createChannel(this)
        watchNetwork()
    }

    /** Run [then] on the main thread with the open core (null if the data cannot be opened),
     *  opening it first, off the main thread, the first time; "Started" is dispatched once. */
    fun withShell(then: (AppShell?) -> Unit) {
        shell?.let { then(it); return }
        if (openError != null) { then(null); return }
        waiting.add(then)
        if (opening) return
        opening = true
        executor.execute {
            var opened: AppShell? = null
            var error: String? = null
            try {
                val key = dataKey(this)
                opened = AppShell.openEncrypted(hoctapDir.path, key, versionName(), Build.MODEL)
                key.fill(0)
            } catch (e: HoctapException) {
                Log.e(TAG, "cannot open the data", e)
                error = e.message ?: getString(R.string.open_failed)
            } catch (e: Exception) {
                // The Keystore entry is gone or does not open the key file: never delete data.
                Log.e(TAG, "cannot open the data key", e)
                error = getString(R.string.open_failed_key)
            }
            main.post {
                opening = false
                shell = opened
                openError = error
                if (opened != null) {
                    dispatch(Ev.unit("Started"))
                    dispatch(Ev.of("NetworkChanged", "online" to online, "unmetered" to unmetered))
                }
                val callbacks = ArrayList(waiting)
                waiting.clear()
                for (c in callbacks) c(opened)
            }
        }
    }

    /** Apply one event (main thread only: events are applied in the order the cadre acted) and
     *  perform the effects the core asks for. */
    fun dispatch(event: String) {
        val s = shell ?: return
        val effects = try {
            s.dispatch(event)
        } catch (e: HoctapException.Internal) {
            // A bug inside the core: its memory may be inconsistent; open a new one.
            Log.e(TAG, "internal error; reopening the core", e)
            reopen()
            return
        } catch (e: HoctapException) {
            Log.e(TAG, "event refused: $event", e)
            return
        }
        EffectRunner(this).performAll(JSONArray(effects))
    }

    private fun reopen() {
        val old = shell ?: return
        shell = null
        executor.execute { old.close() }
        withShell { activity?.render() }
    }

    private fun versionName(): String = try {
        packageManager.getPackageInfo(packageName, 0).versionName ?: "?"
    } catch (e: Exception) {
        "?"
    }

    /** Whether the current default network is unmetered (for a background sync's photos). */
    fun isUnmetered(): Boolean = unmetered

    private fun watchNetwork() {
        val cm = getSystemService(ConnectivityManager::class.java) ?: return
        try {
            cm.registerDefaultNetworkCallback(object : ConnectivityManager.NetworkCallback() {
                override fun onCapabilitiesChanged(network: Network, caps: NetworkCapabilities) {
                    report(caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET),
                        caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED))
                }

                override fun onLost(network: Network) = report(false, false)
            })
        } catch (e: SecurityException) {
            Log.w(TAG, "no network callback", e)
        }
    }

    private fun report(isOnline: Boolean, isUnmetered: Boolean) {
        main.post {
            if (isOnline == online && isUnmetered == unmetered) return@post
            online = isOnline
            unmetered = isUnmetered
            if (shell != null) dispatch(Ev.of("NetworkChanged", "online" to online, "unmetered" to unmetered))
        }
    }

    companion object {
        const val TAG = "hoctap"
    }
}
