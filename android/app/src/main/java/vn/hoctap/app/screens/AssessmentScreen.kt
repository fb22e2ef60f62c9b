// The assessment (AssessmentView): the live result, every criterion and indicator with its
// answer controls (points with −/+, yes/no, a derived value with its explanation and override),
// notes, evidence photos (attached and on their way), the outbox state and the reviewers'
// comments, and what the cadre may do now (finalize, discard, correct). Every number and
// verdict shown is the core's; the shell computes none.
package vn.hoctap.app.screens

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.text.InputType
import android.util.Log
import android.util.LruCache
import android.view.ViewGroup
import android.widget.ImageView
import android.widget.LinearLayout
import android.widget.ProgressBar
import org.json.JSONObject
import vn.hoctap.app.HoctapApplication
import vn.hoctap.app.R

object AssessmentScreen {
    /** Decoded thumbnails by sha256 (content-addressed: never stale), a few screens' worth. */
    private val thumbs = object : LruCache<String, Bitmap>(4 * 1024 * 1024) {
        override fun sizeOf(key: String, value: Bitmap): Int = value.byteCount
    }

    /** Thumbnails being loaded → the image views waiting for them (main thread only): a
     *  re-render while one loads (every keystroke re-renders) asks the core only once. */
    private val loading = HashMap<String, MutableList<ImageView>>()

    fun render(ui: Ui, parent: ViewGroup, v: JSONObject) {
        val editable = v.bool("editable")
        ui.heading(parent, v.s("subject_name"))
        ui.muted(parent, ui.string(R.string.model_year_revision, v.s("model_title"), v.optLong("year"), v.optLong("revision")))
        ui.muted(parent, ui.string(R.string.criteria_set, v.s("criteria_title"), v.optLong("criteria_version")))
        v.str("criteria_notice")?.let { ui.text(parent, it, 18f, bold = true, color = Palette.WARNING) }
        v.str("outbox_label")?.let { ui.text(parent, it, 18f, bold = true, color = Palette.PRIMARY) }
        v.str("outbox_detail")?.let { ui.text(parent, it, 18f, color = Palette.WARNING) }
        v.obj("result")?.let { result(ui, parent, it) }
        val comments = v.objs("comments")
        if (comments.isNotEmpty()) {
            ui.heading(parent, ui.string(R.string.comments))
            val c = ui.card(parent)
            for (comment in comments) ReturnedScreen.comment(ui, c, comment)
        }
        for (criterion in v.objs("criteria")) criterion(ui, parent, criterion, editable)
        v.obj("result")?.let { result(ui, parent, it) }
        if (editable) ui.button(parent, ui.string(R.string.finalize)) { ui.send(Ev.unit("Finalize")) }
        if (v.bool("can_discard")) ui.button(parent, ui.string(R.string.discard_draft)) { ui.send(Ev.unit("DiscardDraft")) }
        if (v.bool("can_correct")) ui.button(parent, ui.string(R.string.correct)) { ui.send(Ev.unit("Correct")) }
    }

    private fun result(ui: Ui, parent: ViewGroup, r: JSONObject) {
        val c = ui.card(parent)
        ui.text(c, r.s("label"), 24f, bold = true, color = if (r.bool("can_finalize")) Palette.SUCCESS else Palette.TEXT)
        ui.text(c, r.s("total_label"), 20f)
        r.str("level_title")?.let { ui.text(c, it, 18f, bold = true) }
        if (r.bool("practice")) ui.text(c, ui.string(R.string.practice_result), 18f, color = Palette.WARNING)
        for (reason in r.strs("reasons")) ui.text(c, "• $reason", 18f, color = Palette.WARNING)
    }

    private fun criterion(ui: Ui, parent: ViewGroup, c: JSONObject, editable: Boolean) {
        ui.heading(parent, c.s("title"))
        val total = buildString {
            append(points(c.num("total")))
            c.num("max")?.let { append("/").append(points(it)) }
            c.num("min_points")?.let { append(" · ").append(ui.string(R.string.min_points, points(it))) }
        }
        ui.text(parent, total, 18f, color = if (c.bool("met")) Palette.SUCCESS else Palette.WARNING)
        for (ind in c.objs("indicators")) indicator(ui, parent, ind, editable)
    }

    private fun indicator(ui: Ui, parent: ViewGroup, ind: JSONObject, editable: Boolean) {
        val id = ind.s("id")
        val card = ui.card(parent)
        ui.text(card, "${ind.s("id")}. ${ind.s("text")}", 19f, bold = true)
        ind.str("guidance")?.let { ui.muted(card, it) }
        if (ind.bool("missing")) ui.text(card, ui.string(R.string.indicator_missing), 18f, color = Palette.WARNING)
        val (kind, kindData) = variant(ind.opt("answer_kind"))
        val max = ind.num("max")
        val counted = buildString {
            append(ui.string(R.string.counted_points, points(ind.num("points"))))
            if (max != null) append("/").append(points(max))
        }
        ui.text(card, counted, 20f, bold = true, color = Palette.PRIMARY)
        fun answer(answer: Any) = ui.send(Ev.of("SetAnswer", "indicator_id" to id, "answer" to answer))
        when (kind) {
            "Points" -> {
                val r = ui.row(card)
                ui.button(r, "−", editable, params = ui.weighted()) {
                    ui.send(Ev.of("StepAnswer", "indicator_id" to id, "steps" to -1))
                }
                ui.text(r, points(ind.num("answered_points")), 24f, bold = true).apply {
                    gravity = android.view.Gravity.CENTER
                    layoutParams = ui.weighted()
                }
                ui.button(r, "+", editable, params = ui.weighted()) {
                    ui.send(Ev.of("StepAnswer", "indicator_id" to id, "steps" to 1))
                }
                kindData?.num("step")?.let { ui.muted(card, ui.string(R.string.step, points(it))) }
                typedPoints(ui, card, "points:$id", editable) { p -> answer(JSONObject().put("Points", Ev.obj("points" to p))) }
            }
            "YesNo" -> {
                val yes = ind.flag("answered_yes")
                ui.choices(card, listOf(ui.string(R.string.yes) to (yes == true), ui.string(R.string.no) to (yes == false)), editable) { i ->
                    answer(JSONObject().put("YesNo", Ev.obj("yes" to (i == 0))))
                }
            }
            "Derived" -> {
                kindData?.str("rule")?.let { ui.muted(card, it) }
                ind.str("explanation")?.let { ui.text(card, it, 18f) }
                ind.str("override_reason")?.let { ui.text(card, ui.string(R.string.override_reason, it), 18f, color = Palette.WARNING) }
                if (editable) overrideForm(ui, card, id) { p, reason ->
                    answer(JSONObject().put("Override", Ev.obj("points" to p, "reason" to reason)))
                }
            }
        }
        if (editable && ind.str("source") == "Answered" || editable && ind.str("source") == "Overridden") {
            ui.button(card, ui.string(R.string.clear_answer)) { answer("Clear") }
        }
        for (p in ind.strs("problems")) ui.text(card, "• $p", 18f, color = Palette.ERROR)
        ui.field(card, "note:$id", ui.string(R.string.note), ind.s("note"),
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES,
            enabled = editable,
            // Sent as typed (autosaved by the core): a note is never lost to a tap elsewhere.
            onChange = { text -> ui.send(Ev.of("SetNote", "indicator_id" to id, "note" to text.ifEmpty { null })) })
        photos(ui, card, ind, editable)
    }

    /** A points value typed in (decimal comma or point), sent with "Lưu điểm". */
    private fun typedPoints(ui: Ui, parent: ViewGroup, key: String, editable: Boolean, onSave: (Double) -> Unit) {
        if (!editable) return
        val f = ui.field(parent, key, ui.string(R.string.type_points), "",
            InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL)
        ui.button(parent, ui.string(R.string.save_points)) {
            val p = f.text.toString().trim().replace(',', '.').toDoubleOrNull() ?: return@button
            f.setText("")
            onSave(p)
        }
    }

    /** Replace a derived value: points and the reason, both required by the core. */
    private fun overrideForm(ui: Ui, parent: ViewGroup, id: String, onSave: (Double, String) -> Unit) {
        val p = ui.field(parent, "override:$id", ui.string(R.string.override_points), "",
            InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_FLAG_DECIMAL)
        val reason = ui.field(parent, "reason:$id", ui.string(R.string.override_reason_field), "",
            InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_SENTENCES)
        ui.button(parent, ui.string(R.string.override)) {
            val value = p.text.toString().trim().replace(',', '.').toDoubleOrNull() ?: return@button
            onSave(value, reason.text.toString())
        }
    }

    private fun photos(ui: Ui, parent: ViewGroup, ind: JSONObject, editable: Boolean) {
        val id = ind.s("id")
        val photos = ind.objs("photos")
        val min = ind.optInt("min_photos")
        if (ind.bool("evidence_required") || min > 0 || photos.isNotEmpty()) {
            ui.text(parent, ui.string(R.string.photos_have_need, photos.size, min), 18f, bold = true)
        }
        for (p in photos) {
            val row = ui.row(parent)
            val image = ImageView(ui.activity).apply {
                contentDescription = ui.string(R.string.photo)
                scaleType = ImageView.ScaleType.CENTER_CROP
            }
            row.addView(image, LinearLayout.LayoutParams(ui.dp(96), ui.dp(96)).apply { marginEnd = ui.dp(8) })
            thumbnail(ui, image, p.s("sha256"), ui.dp(96))
            val info = ui.column()
            row.addView(info, LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f))
            ui.muted(info, listOfNotNull("${p.optInt("width")}×${p.optInt("height")}", p.str("taken_at")).joinToString(" · "))
            if (p.bool("has_gps")) ui.muted(info, ui.string(R.string.photo_gps))
            for (flag in p.strs("flags")) ui.text(info, flag, 18f, color = Palette.WARNING)
            if (editable) {
                val sha = p.s("sha256")
                ui.button(info, ui.string(R.string.remove_photo)) {
                    ui.send(Ev.of("RemovePhoto", "indicator_id" to id, "sha256" to sha))
                }
            }
        }
        for (pending in ind.objs("pending_photos")) {
            val row = ui.row(parent)
            if (pending.bool("processing")) row.addView(ProgressBar(ui.activity), LinearLayout.LayoutParams(ui.dp(48), ui.dp(48)))
            ui.text(row, pending.s("label"), 18f).layoutParams = ui.weighted()
        }
        if (editable) {
            val r = ui.row(parent)
            ui.button(r, ui.string(R.string.take_photo), params = ui.weighted()) { ui.send(Ev.of("CapturePhoto", "indicator_id" to id)) }
            ui.button(r, ui.string(R.string.pick_photo), params = ui.weighted()) { ui.send(Ev.of("PickPhoto", "indicator_id" to id)) }
        }
    }

    /** The photo's thumbnail (320 px): `AppShell.thumbnail` (JPEG bytes, decrypted) called and
     *  decoded on the app's worker threads, shown on the main thread. Until it arrives, or when
     *  it cannot (a damaged file, the core reopening), the placeholder stays. Main thread. */
    private fun thumbnail(ui: Ui, view: ImageView, sha: String, size: Int) {
        view.tag = sha
        view.setBackgroundColor(Palette.BORDER)
        if (sha.isEmpty()) return
        thumbs.get(sha)?.let { view.setImageBitmap(it); return }
        loading[sha]?.let { it.add(view); return }
        val app = ui.activity.application as? HoctapApplication ?: return
        val shell = app.shell ?: return
        loading[sha] = mutableListOf(view)
        app.executor.execute {
            val bmp = try {
                decode(shell.thumbnail(sha), size)
            } catch (e: Exception) {
                Log.w(HoctapApplication.TAG, "no thumbnail for $sha", e)
                null
            } catch (e: OutOfMemoryError) {
                Log.w(HoctapApplication.TAG, "no memory for the thumbnail of $sha", e)
                null
            }
            app.main.post {
                val views = loading.remove(sha).orEmpty()
                if (bmp != null) {
                    thumbs.put(sha, bmp)
                    for (v in views) if (v.tag == sha) v.setImageBitmap(bmp)
                }
            }
        }
    }

    /** JPEG bytes → a bitmap, halved while its shorter side stays at least [size] px (the view
     *  crops to a [size] square); null if the bytes are no image. */
    private fun decode(bytes: ByteArray, size: Int): Bitmap? {
        val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
        BitmapFactory.decodeByteArray(bytes, 0, bytes.size, bounds)
        val shorter = minOf(bounds.outWidth, bounds.outHeight)
        if (shorter <= 0) return null
        var sample = 1
        while (shorter / (sample * 2) >= size) sample *= 2
        val options = BitmapFactory.Options().apply { inSampleSize = sample }
        return BitmapFactory.decodeByteArray(bytes, 0, bytes.size, options)
    }
}
