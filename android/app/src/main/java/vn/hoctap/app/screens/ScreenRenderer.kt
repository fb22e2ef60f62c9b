// Draws one ViewModel (the JSON of `AppShell.view()`): the title bar, the sync bar, the screen
// the core has on top (one file per ScreenView variant), the confirmation dialog and the message.
package vn.hoctap.app.screens

import android.app.AlertDialog
import android.view.Gravity
import android.view.ViewGroup
import android.widget.FrameLayout
import android.widget.LinearLayout
import android.widget.ProgressBar
import android.widget.ScrollView
import android.widget.TextView
import org.json.JSONObject
import vn.hoctap.app.R

class ScreenRenderer(private val ui: Ui) {
    /** The whole window: title, sync bar, the screen (scrolling), the message. */
    val root: LinearLayout = ui.column()
    private val titleBar: LinearLayout = ui.row(root)
    private val syncBar: LinearLayout = ui.column().also { root.addView(it, ui.wide(0)) }
    private val scroll = ScrollView(ui.activity).apply { isFillViewport = true }
    private val content: LinearLayout = ui.column()
    private val messageBar: LinearLayout = ui.column().also {
        root.addView(scroll, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, 0, 1f))
        root.addView(it, ui.wide(0))
    }
    private var dialog: AlertDialog? = null
    private var dialogKey: String? = null
    private var lastScreen = ""

    /** The screen kind on display ("Home", "Assessment" …), for tests and logs. */
    var screenKind = ""
        private set

    init {
        root.setBackgroundColor(0xFFFFFFFF.toInt())
        scroll.addView(content, FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT))
        content.setPadding(ui.dp(16), ui.dp(8), ui.dp(16), ui.dp(32))
        titleBar.setPadding(ui.dp(8), ui.dp(4), ui.dp(8), ui.dp(4))
        titleBar.setBackgroundColor(Palette.PRIMARY)
        syncBar.setPadding(ui.dp(16), ui.dp(4), ui.dp(16), ui.dp(4))
        messageBar.setPadding(ui.dp(16), 0, ui.dp(16), 0)
    }

    /** While the data is being opened, or when it cannot be: one line, nothing else. */
    fun status(text: String, spinning: Boolean) {
        titleBar.removeAllViews()
        syncBar.removeAllViews()
        messageBar.removeAllViews()
        content.removeAllViews()
        title(ui.string(R.string.app_name), false)
        if (spinning) content.addView(ProgressBar(ui.activity), ui.wide(32))
        ui.text(content, text, 20f).gravity = Gravity.CENTER_HORIZONTAL
        lastScreen = ""
        screenKind = ""
    }

    fun render(view: JSONObject) {
        val (kind, screen) = variant(view.opt("screen"))
        val s = screen ?: JSONObject()
        val key = kind + ":" + (s.str("id") ?: s.str("hamlet_id") ?: s.str("household_id") ?: "")
        val keepScroll = key == lastScreen
        val y = scroll.scrollY
        screenKind = kind

        title(view.s("title"), view.bool("can_go_back"))
        sync(view.optJSONObject("sync") ?: JSONObject())

        ui.begin(key)
        content.removeAllViews()
        when (kind) {
            "Enrollment" -> EnrollmentScreen.render(ui, content, s)
            "Home" -> HomeScreen.render(ui, content, s, view.optJSONObject("sync") ?: JSONObject())
            "Households" -> HouseholdsScreen.render(ui, content, s)
            "Household" -> HouseholdScreen.render(ui, content, s)
            "HouseholdForm" -> HouseholdFormScreen.render(ui, content, s)
            "MemberForm" -> MemberFormScreen.render(ui, content, s)
            "Clans" -> ClansScreen.render(ui, content, s)
            "Clan" -> ClanScreen.render(ui, content, s)
            "Hamlet" -> HamletScreen.render(ui, content, s)
            "Units" -> UnitsScreen.render(ui, content, s)
            "Unit" -> UnitScreen.render(ui, content, s)
            "Assessment" -> AssessmentScreen.render(ui, content, s)
            "Outbox" -> OutboxScreen.render(ui, content, s)
            "Returned" -> ReturnedScreen.render(ui, content, s)
            "Summary" -> SummaryScreen.render(ui, content, s)
            "Settings" -> SettingsScreen.render(ui, content, s)
            "Unavailable" -> UnavailableScreen.render(ui, content, s)
            // A newer core with a screen this shell does not know yet: say so, offer back.
            else -> UnavailableScreen.render(ui, content, JSONObject().put("message", ui.string(R.string.unknown_screen)))
        }
        ui.end()
        if (keepScroll) scroll.post { scroll.scrollTo(0, y) } else scroll.scrollTo(0, 0)
        lastScreen = key

        message(view.obj("message"))
        dialog(view.obj("dialog"))
    }

    private fun title(text: String, canGoBack: Boolean) {
        titleBar.removeAllViews()
        if (canGoBack) {
            ui.button(titleBar, "‹", params = LinearLayout.LayoutParams(ui.dp(56), ui.dp(56)).apply { marginEnd = ui.dp(8) }) {
                ui.send(Ev.unit("Back"))
            }.contentDescription = ui.string(R.string.back)
        }
        ui.text(titleBar, text, 22f, bold = true, color = 0xFFFFFFFF.toInt()).apply {
            layoutParams = LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f)
            minHeight = ui.dp(56)
            gravity = Gravity.CENTER_VERTICAL
        }
    }

    /** The sync bar (SyncBar): one line, progress while running, "Làm mới", enroll again. */
    private fun sync(bar: JSONObject) {
        syncBar.removeAllViews()
        syncBar.setBackgroundColor(if (bar.bool("needs_reenroll")) 0xFFFFF3E0.toInt() else Palette.CARD)
        val r = ui.row(syncBar)
        if (bar.bool("running")) r.addView(ProgressBar(ui.activity), LinearLayout.LayoutParams(ui.dp(40), ui.dp(40)))
        val line = listOfNotNull(bar.str("label"), bar.str("progress"),
            if (!bar.bool("online")) ui.string(R.string.offline) else null).joinToString(" · ")
        ui.text(r, line, 18f).layoutParams = LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f)
        if (bar.bool("enrolled")) {
            ui.button(r, ui.string(R.string.refresh), params = LinearLayout.LayoutParams(
                ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT)) { ui.send(Ev.unit("Refresh")) }
        }
        if (bar.bool("needs_reenroll")) {
            ui.button(syncBar, ui.string(R.string.reenroll)) { ui.send(Ev.unit("Reenroll")) }
        }
    }

    /** The message at the bottom (MessageView), dismissed with "Đóng". */
    private fun message(m: JSONObject?) {
        messageBar.removeAllViews()
        if (m == null) return
        val color = when (m.str("level")) {
            "Error" -> Palette.ERROR
            "Warning" -> Palette.WARNING
            "Success" -> Palette.SUCCESS
            else -> Palette.PRIMARY
        }
        messageBar.setBackgroundColor(0xFFFFFFFF.toInt())
        val r = ui.row(messageBar)
        val t: TextView = ui.text(r, m.s("text"), 18f, bold = true, color = color)
        t.layoutParams = LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f)
        t.setPadding(0, ui.dp(8), ui.dp(8), ui.dp(8))
        ui.button(r, ui.string(R.string.dismiss), params = LinearLayout.LayoutParams(
            ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT)) { ui.send(Ev.unit("DismissMessage")) }
    }

    /** The confirmation dialog (DialogView): confirm → ConfirmDialog; cancel or outside → CancelDialog. */
    private fun dialog(d: JSONObject?) {
        val key = d?.toString()
        if (key == dialogKey && (d == null || dialog?.isShowing == true)) return
        dialog?.let { it.setOnCancelListener(null); it.dismiss() }
        dialog = null
        dialogKey = key
        if (d == null || ui.activity.isFinishing) return
        dialog = AlertDialog.Builder(ui.activity)
            .setTitle(d.s("title"))
            .setMessage(d.s("body"))
            .setPositiveButton(d.s("confirm_label")) { _, _ -> ui.send(Ev.unit("ConfirmDialog")) }
            .setNegativeButton(d.s("cancel_label")) { _, _ -> ui.send(Ev.unit("CancelDialog")) }
            .setOnCancelListener { ui.send(Ev.unit("CancelDialog")) }
            .show()
    }

    /** Close the dialog window (the activity is going away; the core keeps the dialog). */
    fun detach() {
        dialog?.let { it.setOnCancelListener(null); it.dismiss() }
        dialog = null
        dialogKey = null
    }
}
