// Household list of the cadre's hamlet: search as you type (diacritics optional), Vietnamese
// order and each household's status for the year, all computed by the core.
package vn.hoctap.app

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import vn.hoctap.core.HouseholdRow
import vn.hoctap.core.LearningModel
import vn.hoctap.core.SubjectKind
import vn.hoctap.core.SubjectRef

@Composable
fun HouseholdListScreen(year: Int, onOpenAssessment: (String) -> Unit) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var search by remember { mutableStateOf("") }
    var rows by remember { mutableStateOf<List<HouseholdRow>>(emptyList()) }
    var error by remember { mutableStateOf<String?>(null) }

    LaunchedEffect(search, year) {
        try {
            val hamlet = Core.call(context) { it.hamlets().firstOrNull()?.id }
            rows = Core.call(context) { it.households(hamlet, search.ifBlank { null }, year) }
            error = null
        } catch (e: Exception) {
            error = Core.message(e)
        }
    }

    Column(Modifier.padding(16.dp)) {
        OutlinedTextField(
            value = search,
            onValueChange = { search = it },
            label = { Text("Tìm tên, địa chỉ, số điện thoại") },
            modifier = Modifier.fillMaxWidth(),
        )
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        LazyColumn {
            items(rows, key = { it.id }) { row ->
                Column(
                    Modifier
                        .fillMaxWidth()
                        .clickable {
                            scope.launch {
                                try {
                                    // Resume the year's assessment, or start one with the set the
                                    // core offers for Gia đình học tập.
                                    val id = row.assessmentId ?: Core.call(context) { app ->
                                        val set = app.criteriaSets(LearningModel.GIA_DINH).first().id
                                        app.startAssessment(SubjectRef(SubjectKind.HOUSEHOLD, row.id), set, year).id
                                    }
                                    onOpenAssessment(id)
                                } catch (e: Exception) {
                                    error = Core.message(e)
                                }
                            }
                        }
                        .padding(vertical = 12.dp),
                ) {
                    Text(row.head, style = MaterialTheme.typography.titleLarge)
                    row.address?.let { Text(it) }
                    Text(row.statusLabel, style = MaterialTheme.typography.bodyLarge)
                    row.comment?.let { Text(it, color = MaterialTheme.colorScheme.error) }
                }
            }
        }
    }
}
