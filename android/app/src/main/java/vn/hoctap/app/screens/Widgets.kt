// Shared building blocks of every screen: reading the core's view JSON (org.json), writing event
// JSON, and big platform widgets for older eyes (text 18 sp and more, touch targets 56 dp).
// Nothing here decides anything: labels come from the core or from res/values/strings.xml.
package vn.hoctap.app.screens

import android.app.Activity
import android.graphics.Color
import android.graphics.Typeface
import android.graphics.drawable.GradientDrawable
import android.text.Editable
import android.text.InputType
import android.text.TextWatcher
import android.util.TypedValue
import android.view.Gravity
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import org.json.JSONArray
import org.json.JSONObject
import vn.hoctap.app.R

// ---- Reading the view model ----------------------------------------------------------------

/** A string field; null when absent or JSON null (org.json's optString would say "null"). */
fun JSONObject.str(key: String): String? = if (!has(key) || isNull(key)) null else optString(key)

/** A string field, empty when absent or null. */
fun JSONObject.s(key: String): String = str(key) ?: ""

/** A boolean field, false when absent or null. */
fun JSONObject.bool(key: String): Boolean = flag(key) == true

/** A number field; null when absent or JSON null. */
fun JSONObject.num(key: String): Double? = if (!has(key) || isNull(key)) null else optDouble(key)

/** A boolean field that may be null. */
fun JSONObject.flag(key: String): Boolean? = if (!has(key) || isNull(key)) null else optBoolean(key)

/** An object field; null when absent or JSON null. */
fun JSONObject.obj(key: String): JSONObject? = if (!has(key) || isNull(key)) null else optJSONObject(key)

/** The objects of an array field (empty when absent). */
fun JSONObject.objs(key: String): List<JSONObject> {
    val a = optJSONArray(key) ?: return emptyList()
    return (0 until a.length()).mapNotNull { a.optJSONObject(it) }
}

/** The strings of an array field (empty when absent). */
fun JSONObject.strs(key: String): List<String> {
    val a = optJSONArray(key) ?: return emptyList()
    return (0 until a.length()).map { a.optString(it) }
}

/** The raw values of an array field (strings for unit variants, objects otherwise). */
fun JSONObject.values(key: String): List<Any> {
    val a = optJSONArray(key) ?: return emptyList()
    return (0 until a.length()).map { a.get(it) }
}

/** A serde externally tagged value: `"Name"` or `{"Name": {...}}` → the name and its content. */
fun variant(value: Any?): Pair<String, JSONObject?> = when (value) {
    is String -> value to null
    is JSONObject -> {
        val key = value.keys().asSequence().firstOrNull() ?: ""
        key to value.optJSONObject(key)
    }
    else -> "" to null
}

/** A whole number as the core wrote it, for display ("12", "8,5"). */
fun points(value: Double?): String {
    if (value == null) return "—"
    return if (value == Math.rint(value)) value.toLong().toString() else value.toString().replace('.', ',')
}

// ---- Writing events ------------------------------------------------------------------------

/** Event JSON as `AppShell.dispatch` reads it (bindings/README.md, "The JSON, exactly"). */
object Ev {
    /** A unit variant: `"Started"`. */
    fun unit(name: String): String = JSONObject.quote(name)

    /** `{"Name": {fields}}`; null values are written as JSON null. */
    fun of(name: String, vararg fields: Pair<String, Any?>): String = JSONObject().put(name, obj(*fields)).toString()

    /** An object of fields; null values as JSON null (org.json's put(null) would drop the key). */
    fun obj(vararg fields: Pair<String, Any?>): JSONObject {
        val o = JSONObject()
        for ((k, v) in fields) o.put(k, v ?: JSONObject.NULL)
        return o
    }

    /** `{"Open": {"target": "Home"}}` for a unit target. */
    fun open(target: String): String = of("Open", "target" to target)

    /** `{"Open": {"target": {"Household": {"id": …}}}}`. */
    fun open(target: String, vararg fields: Pair<String, Any?>): String =
        of("Open", "target" to JSONObject().put(target, obj(*fields)))

    /** Bytes as the JSON array of byte values the core reads (`QrImage.bytes`). */
    fun bytes(data: ByteArray): JSONArray {
        val a = JSONArray()
        for (b in data) a.put(b.toInt() and 0xff)
        return a
    }
}

// ---- Widgets -------------------------------------------------------------------------------

/** Colours of the app: high contrast on a light background. */
object Palette {
    const val TEXT = 0xFF1B1B1B.toInt()
    const val MUTED = 0xFF4A4A4A.toInt()
    const val PRIMARY = 0xFF0B5394.toInt()
    const val CARD = 0xFFF3F6FA.toInt()
    const val BORDER = 0xFFB0BEC5.toInt()
    const val ERROR = 0xFFB00020.toInt()
    const val WARNING = 0xFF8A5300.toInt()
    const val SUCCESS = 0xFF1B5E20.toInt()
    const val SELECTED = 0xFFCFE2F3.toInt()
}

/**
 * The drawing context of one render: the activity, the way to send an event, and the text
 * fields kept from one render to the next (so typing is never interrupted by a re-render: a
 * field with the same key is moved, not recreated, and keeps its focus and caret).
 */
class Ui(val activity: Activity, val send: (String) -> Unit) {
    /** True while a screen is being built: text watchers ignore the texts set by the render. */
    var binding = false
        private set
    private var screenKey = ""
    private var fields = HashMap<String, EditText>()
    private var nextFields = HashMap<String, EditText>()
    private var focusedKey: String? = null

    fun string(id: Int): String = activity.getString(id)

    fun string(id: Int, vararg args: Any): String = activity.getString(id, *args)

    fun dp(v: Int): Int = TypedValue.applyDimension(
        TypedValue.COMPLEX_UNIT_DIP, v.toFloat(), activity.resources.displayMetrics,
    ).toInt()

    /** Start drawing screen [key] (its kind and subject): fields of another screen are dropped. */
    fun begin(key: String) {
        if (key != screenKey) fields = HashMap()
        screenKey = key
        focusedKey = fields.entries.firstOrNull { it.value.hasFocus() }?.key
        nextFields = HashMap()
        binding = true
    }

    /** Done drawing: give the focus back to the field that had it. */
    fun end() {
        for ((k, f) in fields) if (!nextFields.containsKey(k)) f.onFocusChangeListener = null
        fields = nextFields
        binding = false
        focusedKey?.let { k -> fields[k]?.let { if (it.isAttachedToWindow) it.requestFocus() } }
    }

    fun column(): LinearLayout = LinearLayout(activity).apply { orientation = LinearLayout.VERTICAL }

    fun row(parent: ViewGroup): LinearLayout = LinearLayout(activity).apply {
        orientation = LinearLayout.HORIZONTAL
        gravity = Gravity.CENTER_VERTICAL
        parent.addView(this, wide())
    }

    fun wide(top: Int = 4): LinearLayout.LayoutParams =
        LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT).apply {
            topMargin = dp(top)
        }

    fun weighted(): LinearLayout.LayoutParams =
        LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f).apply { marginEnd = dp(6) }

    fun text(parent: ViewGroup, text: String, sp: Float = 18f, bold: Boolean = false, color: Int = Palette.TEXT): TextView =
        TextView(activity).apply {
            this.text = text
            setTextSize(TypedValue.COMPLEX_UNIT_SP, sp)
            setTextColor(color)
            if (bold) setTypeface(typeface, Typeface.BOLD)
            setPadding(0, dp(2), 0, dp(2))
            parent.addView(this, wide(2))
        }

    fun heading(parent: ViewGroup, text: String): TextView = text(parent, text, 22f, bold = true).apply {
        setPadding(0, dp(12), 0, dp(4))
    }

    fun muted(parent: ViewGroup, text: String): TextView = text(parent, text, 18f, color = Palette.MUTED)

    fun error(parent: ViewGroup, text: String): TextView = text(parent, text, 18f, bold = true, color = Palette.ERROR)

    /** A big button (56 dp high, 20 sp). */
    fun button(
        parent: ViewGroup,
        label: String,
        enabled: Boolean = true,
        selected: Boolean = false,
        params: LinearLayout.LayoutParams = wide(6),
        onClick: () -> Unit,
    ): Button = Button(activity).apply {
        text = label
        isAllCaps = false
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 20f)
        minHeight = dp(56)
        minimumHeight = dp(56)
        isEnabled = enabled
        if (selected) {
            background = rounded(Palette.SELECTED, Palette.PRIMARY)
            setTextColor(Palette.PRIMARY)
            setTypeface(typeface, Typeface.BOLD)
        }
        contentDescription = label
        setOnClickListener { onClick() }
        parent.addView(this, params)
    }

    /** Several choices side by side (or one a line when there are many); one may be selected. */
    fun choices(parent: ViewGroup, options: List<Pair<String, Boolean>>, enabled: Boolean = true, onPick: (Int) -> Unit) {
        if (options.size <= 3) {
            val r = row(parent)
            options.forEachIndexed { i, (label, sel) ->
                button(r, label, enabled, sel, weighted()) { onPick(i) }
            }
        } else {
            options.forEachIndexed { i, (label, sel) -> button(parent, label, enabled, sel) { onPick(i) } }
        }
    }

    fun rounded(fill: Int, stroke: Int = Palette.BORDER): GradientDrawable = GradientDrawable().apply {
        setColor(fill)
        cornerRadius = dp(8).toFloat()
        setStroke(dp(1), stroke)
    }

    /** A framed block. */
    fun card(parent: ViewGroup): LinearLayout = column().apply {
        background = rounded(Palette.CARD)
        setPadding(dp(12), dp(8), dp(12), dp(10))
        parent.addView(this, wide(10))
    }

    /** A framed block the whole of which is a tap target (at least 56 dp). */
    fun tapCard(parent: ViewGroup, onClick: () -> Unit): LinearLayout = card(parent).apply {
        minimumHeight = dp(56)
        isClickable = true
        isFocusable = true
        setOnClickListener { onClick() }
    }

    /**
     * A labelled text field. [onChange] gets every change the cadre types (not the ones a render
     * sets); [onLeave] gets the text when the field loses the focus.
     */
    fun field(
        parent: ViewGroup,
        key: String,
        label: String,
        value: String,
        type: Int = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_WORDS,
        enabled: Boolean = true,
        onChange: ((String) -> Unit)? = null,
        onLeave: ((String) -> Unit)? = null,
    ): EditText {
        text(parent, label, 18f, bold = true)
        val f = fields[key] ?: newField(type)
        (f.parent as? ViewGroup)?.removeView(f)
        if (!f.hasFocus() && f.text.toString() != value) f.setText(value)
        f.isEnabled = enabled
        f.tag = FieldHandler(onChange)
        f.onFocusChangeListener = View.OnFocusChangeListener { v, has ->
            if (!has && !binding) onLeave?.invoke((v as EditText).text.toString())
        }
        f.contentDescription = label
        parent.addView(f, wide(2))
        nextFields[key] = f
        return f
    }

    private class FieldHandler(val onChange: ((String) -> Unit)?)

    private fun newField(type: Int): EditText = EditText(activity).apply {
        inputType = type
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 20f)
        minHeight = dp(56)
        setTextColor(Palette.TEXT)
        val self = this
        addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) {}
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) {}
            override fun afterTextChanged(s: Editable?) {
                if (binding) return
                val handler = (self.tag as? FieldHandler)?.onChange ?: return
                val text = s?.toString() ?: ""
                // Posted: the render that follows must not rebuild the view inside its own watcher.
                self.post { handler(text) }
            }
        })
    }

    /** Where a subject stands for one model, with the actions the core offers (ModelStatusView). */
    fun statusCard(parent: ViewGroup, status: JSONObject) {
        val c = card(parent)
        text(c, status.str("model_title") ?: "", 20f, bold = true)
        val line = buildString {
            append(status.str("status_label") ?: "")
            status.num("total")?.let { append(" — ").append(string(R.string.points_total, points(it))) }
        }
        text(c, line, 18f, color = Palette.PRIMARY)
        status.str("comment")?.let { muted(c, it) }
        status.str("no_criteria")?.let { text(c, it, 18f, color = Palette.WARNING) }
        val subject = status.optJSONObject("subject") ?: JSONObject()
        val model = status.str("model") ?: ""
        val assessmentId = status.str("assessment_id")
        for (a in status.values("actions")) {
            when (variant(a).first) {
                "Register" -> button(c, string(R.string.action_register)) {
                    send(Ev.of("Register", "subject" to subject, "model" to model))
                }
                "Start" -> button(c, string(R.string.action_start)) {
                    send(Ev.of("StartAssessment", "subject" to subject, "model" to model))
                }
                "Continue" -> button(c, string(R.string.action_continue)) {
                    send(Ev.of("StartAssessment", "subject" to subject, "model" to model))
                }
                "View" -> button(c, string(R.string.action_view), enabled = assessmentId != null) {
                    if (assessmentId != null) send(Ev.open("Assessment", "id" to assessmentId))
                }
            }
        }
    }

    /** A clan, the hamlet as a community, or a unit (SubjectPageView). */
    fun subjectPage(parent: ViewGroup, page: JSONObject) {
        heading(parent, page.str("name") ?: "")
        for (l in page.strs("lines")) muted(parent, l)
        page.obj("status")?.let { statusCard(parent, it) }
    }

    /** A line shown when a list is empty. */
    fun empty(parent: ViewGroup, label: String?) {
        if (label != null) text(parent, label, 18f, color = Palette.MUTED).apply { setPadding(0, dp(16), 0, dp(16)) }
    }

    companion object {
        const val TRANSPARENT = Color.TRANSPARENT
    }
}
