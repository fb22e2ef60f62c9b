// Effect ScheduleSync { records_network, photos_network }: JobScheduler jobs run by
// SyncJobService with exponential backoff, kept across reboots. Records go on any network;
// when photos need an unmetered network, a second job waits for one, and the records job sends
// photos only if its network happens to be unmetered.
package vn.hoctap.app.effects

import android.app.job.JobInfo
import android.app.job.JobScheduler
import android.content.ComponentName
import android.content.Context
import android.os.PersistableBundle
import vn.hoctap.app.SyncJobService

object ScheduleSync {
    const val JOB_RECORDS = 1201
    const val JOB_PHOTOS = 1202
    const val EXTRA_PHOTOS = "photos"
    const val EXTRA_PHOTOS_IF_UNMETERED = "photos_if_unmetered"
    private const val EXTRA_NETWORK = "network"
    private const val BACKOFF_MS = 30_000L

    fun schedule(context: Context, records: String, photos: String) {
        val js = context.getSystemService(JobScheduler::class.java) ?: return
        val photosAnywhere = photos != "unmetered"
        schedule(context, js, JOB_RECORDS, network(records), photosAnywhere, !photosAnywhere)
        if (photosAnywhere) js.cancel(JOB_PHOTOS) else schedule(context, js, JOB_PHOTOS, network(photos), true, false)
    }

    private fun network(name: String): Int =
        if (name == "unmetered") JobInfo.NETWORK_TYPE_UNMETERED else JobInfo.NETWORK_TYPE_ANY

    private fun schedule(context: Context, js: JobScheduler, id: Int, network: Int, photos: Boolean, ifUnmetered: Boolean) {
        val extras = PersistableBundle().apply {
            putInt(EXTRA_NETWORK, network)
            putBoolean(EXTRA_PHOTOS, photos)
            putBoolean(EXTRA_PHOTOS_IF_UNMETERED, ifUnmetered)
        }
        // The same job already waiting (or running: scheduling it again would stop it).
        val existing = js.getPendingJob(id)
        if (existing != null && existing.extras.getInt(EXTRA_NETWORK) == network &&
            existing.extras.getBoolean(EXTRA_PHOTOS) == photos &&
            existing.extras.getBoolean(EXTRA_PHOTOS_IF_UNMETERED) == ifUnmetered
        ) return
        js.schedule(
            JobInfo.Builder(id, ComponentName(context, SyncJobService::class.java))
                .setRequiredNetworkType(network)
                .setBackoffCriteria(BACKOFF_MS, JobInfo.BACKOFF_POLICY_EXPONENTIAL)
                .setPersisted(true)
                .setExtras(extras)
                .build(),
        )
    }
}
