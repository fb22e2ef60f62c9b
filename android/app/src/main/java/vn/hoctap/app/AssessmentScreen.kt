// The assessment screen: renders the core's AssessmentView as it is — criteria with their
// indicators, Vietnamese texts and guidance, the control each answer kind needs, derived values
// with their explanation, photo thumbnails, the live total and result with its reasons. Every
// change goes to the core, which answers with the refreshed view model. No scoring here.
package vn.hoctap.app

import android.graphics.BitmapFactory
import androidx.compose.foundation.Image
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import vn.hoctap.core.AnswerInput
import vn.hoctap.core.AnswerKind
import vn.hoctap.core.AssessmentView
import vn.hoctap.core.HoctapApp
import vn.hoctap.core.IndicatorView

@Composable
fun AssessmentScreen(assessmentId: String, onBack: () -> Unit) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    // The assessment shown: after "Sửa phiếu" it is the new draft revision.
    var currentId by remember { mutableStateOf(assessmentId) }
    var view by remember { mutableStateOf<AssessmentView?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    var capturingFor by remember { mutableStateOf<String?>(null) }

    fun update(block: (HoctapApp) -> AssessmentView) {
        scope.launch {
            try {
                val refreshed = Core.call(context, block)
                view = refreshed
                currentId = refreshed.id
                error = null
            } catch (e: Exception) {
                error = Core.message(e)
            }
        }
    }

    LaunchedEffect(assessmentId) { update { it.assessment(assessmentId) } }

    capturingFor?.let { indicator ->
        PhotoCapture(
            onCaptured = { path ->
                capturingFor = null
                // The core seals its own copy; the camera's clear JPEG (with EXIF GPS) must not
                // stay in the cache, whether or not the photo was taken.
                update {
                    try {
                        it.attachPhoto(currentId, indicator, path)
                    } finally {
                        java.io.File(path).delete()
                    }
                }
            },
            onCancel = { capturingFor = null },
        )
        return
    }

    val v = view
    if (v == null) {
        Text("Đang tải…", Modifier.padding(16.dp))
        return
    }
    val id = currentId
    LazyColumn(Modifier.padding(16.dp)) {
        item {
            OutlinedButton(onClick = onBack) { Text("‹ Danh sách hộ") }
            Text("${v.modelTitle} — ${v.subjectName ?: ""} (${v.year})", style = MaterialTheme.typography.titleLarge)
            v.criteriaNotice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            v.outboxLabel?.let { Text(it) }
            v.outboxDetail?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            Text("${v.result.label} — ${v.result.totalLabel}", style = MaterialTheme.typography.headlineSmall)
            v.result.reasons.forEach { Text("• ${it.message}") }
            error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        }
        for (criterion in v.criteria) {
            item(key = "c" + criterion.id) {
                Text(
                    "${criterion.id}. ${criterion.title}  (${criterion.total}/${criterion.max ?: "?"})",
                    style = MaterialTheme.typography.titleMedium,
                    modifier = Modifier.padding(top = 16.dp),
                )
            }
            items(criterion.indicators, key = { it.id }) { ind ->
                IndicatorRow(
                    ind = ind,
                    editable = v.editable,
                    onAnswer = { answer -> update { it.setAnswer(id, ind.id, answer) } },
                    onTakePhoto = { capturingFor = ind.id },
                    onRemovePhoto = { sha -> update { it.removePhoto(id, ind.id, sha) } },
                )
            }
        }
        item {
            if (v.editable) {
                Button(onClick = { update { it.finalize(id) } }, enabled = v.result.canFinalize) {
                    Text("Chốt phiếu")
                }
            } else {
                OutlinedButton(onClick = { update { it.correct(id) } }) { Text("Sửa phiếu") }
            }
        }
    }
}

@Composable
private fun IndicatorRow(
    ind: IndicatorView,
    editable: Boolean,
    onAnswer: (AnswerInput) -> Unit,
    onTakePhoto: () -> Unit,
    onRemovePhoto: (String) -> Unit,
) {
    val context = LocalContext.current
    Column(Modifier.padding(vertical = 8.dp)) {
        Text("${ind.id}. ${ind.text}")
        ind.guidance?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        ind.explanation?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        Text("Điểm: ${ind.points ?: "—"} / ${ind.max ?: "?"}")
        if (editable && !ind.missing) {
            when (val kind = ind.answerKind) {
                is AnswerKind.Points -> Row {
                    val current = ind.answeredPoints ?: 0.0
                    OutlinedButton(onClick = { onAnswer(AnswerInput.Points(maxOf(0.0, current - kind.step))) }) { Text("−") }
                    Text(" ${ind.answeredPoints ?: "—"} ", Modifier.padding(12.dp))
                    OutlinedButton(onClick = { onAnswer(AnswerInput.Points(minOf(ind.max ?: current, current + kind.step))) }) { Text("+") }
                }
                is AnswerKind.YesNo -> Row {
                    OutlinedButton(onClick = { onAnswer(AnswerInput.YesNo(true)) }) { Text("Có") }
                    OutlinedButton(onClick = { onAnswer(AnswerInput.YesNo(false)) }) { Text("Không") }
                }
                is AnswerKind.Derived -> Text(kind.rule, style = MaterialTheme.typography.bodySmall)
            }
            OutlinedButton(onClick = onTakePhoto) { Text("Chụp ảnh minh chứng") }
        }
        ind.problems.forEach { Text(it, color = MaterialTheme.colorScheme.error) }
        Row {
            for (photo in ind.photos) {
                // The files are encrypted at rest: the core decrypts the thumbnail (a few KB).
                val bitmap by produceState<android.graphics.Bitmap?>(null, photo.sha256) {
                    value = runCatching {
                        val bytes = Core.call(context) { it.thumbnailBytes(photo.sha256) }
                        BitmapFactory.decodeByteArray(bytes, 0, bytes.size)
                    }.getOrNull()
                }
                bitmap?.let {
                    Image(
                        it.asImageBitmap(),
                        contentDescription = "Ảnh minh chứng",
                        modifier = Modifier.size(96.dp).padding(4.dp),
                    )
                }
                if (editable) OutlinedButton(onClick = { onRemovePhoto(photo.sha256) }) { Text("Xoá") }
            }
        }
    }
}
