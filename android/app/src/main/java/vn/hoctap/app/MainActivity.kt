// Entry of the Android shell: schedules the periodic sync worker and shows the household list;
// tapping a household with an assessment opens the assessment screen. No business rules here.
package vn.hoctap.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import vn.hoctap.core.currentYear

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        SyncWorker.schedule(applicationContext)
        setContent {
            MaterialTheme {
                var assessmentId by rememberSaveable { mutableStateOf<String?>(null) }
                val year = currentYear()
                val open = assessmentId
                if (open == null) {
                    HouseholdListScreen(year = year, onOpenAssessment = { assessmentId = it })
                } else {
                    AssessmentScreen(assessmentId = open, onBack = { assessmentId = null })
                }
            }
        }
    }
}
