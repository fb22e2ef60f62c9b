// The background sync ScheduleSync asked for: a JobService that runs the core's Sync task on a
// worker thread (photos when the job allows them, or when its network is unmetered), dispatches
// the result to the core (which notifies what the cadre must know) and tells JobScheduler to
// retry with backoff when the run was offline or failed. Stopped by the OS → the sync is
// cancelled and the job rescheduled.
package vn.hoctap.app

import android.app.job.JobParameters
import android.app.job.JobService
import org.json.JSONObject
import vn.hoctap.app.effects.RunTask
import vn.hoctap.app.effects.ScheduleSync
import vn.hoctap.app.screens.s
import vn.hoctap.app.screens.variant

class SyncJobService : JobService() {
    override fun onStartJob(params: JobParameters): Boolean {
        val app = application as HoctapApplication
        app.withShell { shell ->
            if (shell == null) {
                jobFinished(params, false)
                return@withShell
            }
            val extras = params.extras
            val photos = extras.getBoolean(ScheduleSync.EXTRA_PHOTOS) ||
                (extras.getBoolean(ScheduleSync.EXTRA_PHOTOS_IF_UNMETERED) && app.isUnmetered())
            val task = JSONObject()
                .put("id", "job-${params.jobId}-${System.currentTimeMillis()}")
                .put("kind", JSONObject().put("Sync", JSONObject().put("photos", photos)))
            RunTask.run(app, task) { event -> jobFinished(params, retry(event)) }
        }
        return true
    }

    override fun onStopJob(params: JobParameters): Boolean {
        (application as HoctapApplication).shell?.cancelSync()
        return true
    }

    /** Offline or failed (or no answer at all): let JobScheduler try again with backoff. */
    private fun retry(event: String?): Boolean {
        if (event == null) return true
        val finished = variant(JSONObject(event)).second ?: return false
        val (kind, result) = variant(finished.opt("result"))
        if (kind != "SyncFinished") return false
        return when (result?.s("outcome")) {
            "offline", "failed" -> true
            else -> false
        }
    }
}
