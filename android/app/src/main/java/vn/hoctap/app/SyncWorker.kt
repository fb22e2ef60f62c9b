// Periodic background sync with WorkManager: when there is a network, call the core's `sync`
// (blocking, on WorkManager's background thread), report progress as work progress, stop through
// the cancel token when the system stops the work, and ask for a retry when offline.
package vn.hoctap.app

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.Worker
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import vn.hoctap.core.CancelToken
import vn.hoctap.core.HoctapException
import vn.hoctap.core.SyncOutcome
import vn.hoctap.core.SyncProgress
import vn.hoctap.core.SyncProgressEvent
import java.util.concurrent.TimeUnit

class SyncWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    private val cancel = CancelToken()

    override fun doWork(): Result {
        val app = Core.get(applicationContext)
        val progress = object : SyncProgress {
            override fun onProgress(event: SyncProgressEvent) {
                setProgressAsync(workDataOf("message" to event.message, "sent" to event.sent))
            }
        }
        return try {
            when (app.sync(progress, cancel).outcome) {
                SyncOutcome.DONE -> Result.success()
                SyncOutcome.OFFLINE, SyncOutcome.CANCELLED -> Result.retry()
                SyncOutcome.AUTH, SyncOutcome.FAILED -> Result.failure()
            }
        } catch (e: HoctapException.Conflict) {
            Result.success() // a sync started from the screen is already running
        } catch (e: HoctapException.NotEnrolled) {
            Result.failure()
        }
    }

    override fun onStopped() {
        cancel.cancel()
    }

    companion object {
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(1, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 5, TimeUnit.MINUTES)
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork("hoctap-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
