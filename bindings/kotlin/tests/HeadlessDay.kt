// A headless phone shell over the app core (`AppShell`): it renders every view model to text and
// performs the effects for real — the camera copies a phone photo from ../shared/testdata/photos,
// the QR scanner hands back a PNG of a real `hoctap-server admin enroll-code` (drawn by
// `qrencode`, decoded in the core), tasks (photo processing, enrollment, sync against the real
// server on loopback) run on a worker thread and report back as events. A cadre's whole day is
// walked through events only: no call of the façade's screen API.
package vn.hoctap.test

import vn.hoctap.core.*
import java.io.File
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** The shell: dispatches events, performs effects, draws the view model as text. */
class HeadlessShell(dataDir: File, private val photo: File, private val qrImage: () -> ByteArray) {
    // Data encrypted at rest with the key a phone shell keeps in its Keystore / Keychain.
    private val dataKey = ByteArray(32).also { java.security.SecureRandom().nextBytes(it) }
    val app: AppShell = AppShell.openEncrypted(dataDir.path, dataKey, "kotlin-headless", "Máy kiểm thử")
    private val worker = Executors.newSingleThreadExecutor()
    val effects = mutableListOf<Map<String, Any?>>()
    var renders = 0
        private set
    /** The last drawn screen, as text. */
    var screenText = ""
        private set

    fun close() {
        worker.shutdown()
        worker.awaitTermination(30, TimeUnit.SECONDS)
        app.close()
    }

    /** Dispatch [event] (a JSON value: a string for a unit variant, a map otherwise) and perform
     *  every effect that follows, until the core asks for nothing more. */
    fun send(event: Any?) {
        val queue = ArrayDeque<Any?>()
        queue.add(event)
        while (queue.isNotEmpty()) {
            val fx = Json.parse(app.dispatch(Json.write(queue.removeFirst()))).arr()
            for (e in fx) {
                when {
                    e == "Render" -> draw()
                    e == "ScanQr" -> queue.add(mapOf("QrImage" to mapOf("bytes" to qrImage().map { it.toInt() and 0xff })))
                    e is Map<*, *> && e.containsKey("RunTask") -> {
                        val task = e["RunTask"].obj()["task"]
                        // Long work off the "UI" thread, as a phone shell must.
                        val done = worker.submit<String> { app.runTask(Json.write(task)) }.get(120, TimeUnit.SECONDS)
                        queue.add(Json.parse(done))
                    }
                    e is Map<*, *> && e.containsKey("CapturePhoto") -> {
                        val c = e["CapturePhoto"].obj()
                        photo.copyTo(File(c["target_path"] as String), overwrite = true)
                        queue.add(mapOf("PhotoCaptured" to mapOf("capture_id" to c["capture_id"])))
                    }
                }
                if (e is Map<*, *>) effects.add(e.obj()) else effects.add(mapOf(e.toString() to null))
            }
        }
    }

    fun view(): Map<String, Any?> = Json.parse(app.view()).obj()

    /** The screen's kind ("Home", "Households" …) and its content. */
    fun screen(): Pair<String, Map<String, Any?>> {
        val s = view()["screen"].obj().entries.first()
        return s.key to s.value.obj()
    }

    fun tap(target: Any?): Pair<String, Map<String, Any?>> {
        send(mapOf("Open" to mapOf("target" to target)))
        return screen()
    }

    /** Draw the view model: title, then each field of the screen as a line. */
    private fun draw() {
        renders++
        val v = view()
        val (kind, content) = screen()
        val b = StringBuilder("── ${v["title"]} [$kind] ──\n")
        for ((k, x) in content) {
            when (x) {
                is List<*> -> {
                    b.append("  $k: ${x.size}\n")
                    for (row in x.take(5)) {
                        val r = row as? Map<*, *> ?: continue
                        val label = listOf("name", "head", "title", "text", "label", "body")
                            .firstNotNullOfOrNull { r[it] as? String }
                        if (label != null) b.append("    • $label\n")
                    }
                }
                is Map<*, *> -> {}
                null -> {}
                is Double -> b.append("  $k: ${if (x == Math.rint(x)) x.toLong().toString() else x.toString()}\n")
                else -> b.append("  $k: $x\n")
            }
        }
        (v["message"] as? Map<*, *>)?.let { b.append("  ⓘ ${it["text"]}\n") }
        b.append("  đồng bộ: ${v["sync"].obj()["label"]}\n")
        screenText = b.toString()
    }

    /** The camera, [n] times, for [indicator]. */
    fun takePhotos(indicator: String, n: Int) {
        repeat(n) { send(mapOf("CapturePhoto" to mapOf("indicator_id" to indicator))) }
    }

    /** Answer every open indicator of the assessment on screen, with the photos each needs. */
    fun answerAll(fraction: Double) {
        val a = screen().second
        for (c in a["criteria"].arr()) {
            for (i in c.obj()["indicators"].arr()) {
                val ind = i.obj()
                val id = ind["id"] as String
                val kind = ind["answer_kind"]
                if (kind is Map<*, *> && kind.containsKey("Points")) {
                    val points = Math.round((ind["max"] as Double) * fraction).toDouble()
                    send(mapOf("SetAnswer" to mapOf("indicator_id" to id, "answer" to mapOf("Points" to mapOf("points" to points)))))
                } else if (kind == "YesNo" || (kind is Map<*, *> && kind.containsKey("YesNo"))) {
                    send(mapOf("SetAnswer" to mapOf("indicator_id" to id, "answer" to mapOf("YesNo" to mapOf("yes" to true)))))
                }
                val need = (ind["min_photos"] as Double).toInt() - ind["photos"].arr().size
                if (need > 0) takePhotos(id, need)
            }
        }
    }

    /** "Chốt phiếu", confirmed. */
    fun finalize(): Map<String, Any?> {
        send("Finalize")
        ensure(view()["dialog"] != null) { "finalize asks first" }
        send("ConfirmDialog")
        val (kind, a) = screen()
        assertEq("Assessment", kind, "screen")
        assertEq(true, a["finalized"], "finalized")
        return a
    }
}

/** A PNG of [text] as a QR code, drawn by Debian's `qrencode`. */
fun qrPng(text: String, work: File): ByteArray {
    val out = File(work, "enroll-qr.png")
    val p = ProcessBuilder("qrencode", "-o", out.path, "-s", "8", "-m", "4", text)
        .redirectErrorStream(true).start()
    val log = p.inputStream.bufferedReader().readText()
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) fail("qrencode failed: $log")
    return out.readBytes()
}

const val HEADLESS_ROSTER = """hamlet,household,head,address,member,birth_year,sex
Thôn Đông,D01,Nguyễn Văn Bình,Xóm 1,Nguyễn Văn Bình,1975,nam
Thôn Đông,D02,Lê Thị Ánh,Xóm 2,Lê Thị Ánh,1968,nữ
Thôn Đông,D03,Đặng Văn Út,Xóm 2,Đặng Văn Út,1990,nam
"""

/** The day, on a server of its own (a commune, Thôn Đông and three households). */
fun headlessDay(t: Runner, serverBin: String, work: File, photos: File, criteria: File) {
    val photo = File(photos, "gps/DSCN0010.jpg")
    val server = TestServer(serverBin, File(work, "headless-server"))
    try {
        server.dataDir.mkdirs()
        server.admin("init", "--province", "25", "--commune", "04831")
        server.admin("hamlet", "add", "Thôn Đông")
        val roster = File(work, "headless-roster.csv").apply { writeText(HEADLESS_ROSTER) }
        server.admin("import", "roster", roster.path)
        server.start()
        walkTheDay(t, server, work, photo, criteria)
    } finally {
        server.close()
    }
}

private fun walkTheDay(t: Runner, server: TestServer, work: File, photo: File, criteria: File) {
    val dir = File(work, "headless")
    var qrPayload = ""
    val shell = HeadlessShell(dir, photo) { qrPng(qrPayload, work) }
    var household = ""
    var adult = ""
    var gd = ""
    try {
        shell.send("Started")
        t.test("headless shell: the province publishes its Gia đình set") {
            val template = File(criteria, "template-gia-dinh.toml").readText()
            val province = template
                .replaceFirst("id = \"template-gia-dinh\"", "id = \"tinh-25-gia-dinh\"")
                .replaceFirst("version = 1", "version = 3")
            val file = File(work, "tinh-25-gia-dinh.toml").apply { writeText(province) }
            assertEq(true, server.adminJson("criteria", "publish", file.path).obj()["published"], "published")
        }

        t.test("headless shell: enroll by a QR image, the roster arrives") {
            assertEq("Enrollment", shell.screen().first, "first screen")
            val code = server.adminJson("enroll-code", "--hamlet", "Thôn Đông").obj()["code"] as String
            qrPayload = Json.write(mapOf("server" to server.url, "code" to code))
            shell.send("ScanQr")
            val (kind, home) = shell.screen()
            assertEq("Home", kind, "after enrollment")
            val hamlet = home["hamlets"].arr().first().obj()
            assertEq("Thôn Đông", hamlet["name"], "hamlet")
            assertEq(3.0, hamlet["households"], "households pulled")
            ensure(shell.screenText.contains("Thôn Đông")) { shell.screenText }
            println(shell.screenText.prependIndent("     "))
        }

        t.test("headless shell: add a household and two members, register") {
            val hamlet = shell.screen().second["hamlets"].arr().first().obj()["id"] as String
            shell.tap(mapOf("NewHousehold" to mapOf("hamlet_id" to hamlet)))
            shell.send(mapOf("HouseholdFormChanged" to mapOf("input" to mapOf(
                "head" to "Hoàng Văn Nam", "address" to "Xóm 4", "phone" to null, "roster_code" to "D09"))))
            shell.send("SubmitForm")
            val (kind, hh) = shell.screen()
            assertEq("Household", kind, "after the form")
            household = hh["id"] as String
            for ((name, year, sex) in listOf(Triple("Hoàng Văn Nam", 1980, "male"), Triple("Vũ Thị Lan", 1983, "female"))) {
                shell.tap(mapOf("NewMember" to mapOf("household_id" to household)))
                shell.send(mapOf("MemberFormChanged" to mapOf("input" to mapOf(
                    "name" to name, "birth_year" to year, "sex" to sex, "relation" to null,
                    "schooling" to "finished", "literate" to true, "cdht" to null, "unable_to_learn" to false))))
                shell.send("SubmitForm")
            }
            val members = shell.screen().second["members"].arr()
            assertEq(2, members.size, "members")
            adult = members.first().obj()["id"] as String
            val subject = mapOf("kind" to "household", "id" to household)
            shell.send(mapOf("Register" to mapOf("subject" to subject, "model" to "gia_dinh")))
            assertEq("registered", shell.screen().second["gia_dinh"].obj()["status"], "status")
            println(shell.screenText.prependIndent("     "))
        }

        t.test("headless shell: assess Gia đình with the province's set and photos; Công dân học tập") {
            val subject = mapOf("kind" to "household", "id" to household)
            shell.send(mapOf("StartAssessment" to mapOf("subject" to subject, "model" to "gia_dinh")))
            assertEq(3.0, shell.screen().second["criteria_version"], "the published set")
            shell.answerAll(0.9)
            val a = shell.finalize()
            gd = a["id"] as String
            val photosAttached = a["criteria"].arr().flatMap { it.obj()["indicators"].arr() }
                .sumOf { it.obj()["photos"].arr().size }
            ensure(photosAttached >= 1) { "evidence attached: $photosAttached" }
            shell.send("Back")
            val member = mapOf("kind" to "member", "id" to adult)
            shell.send(mapOf("StartAssessment" to mapOf("subject" to member, "model" to "cong_dan")))
            assertEq("cong_dan", shell.screen().second["model"], "model")
            shell.answerAll(1.0)
            shell.finalize()
            println(shell.screenText.prependIndent("     "))
        }

        t.test("headless shell: sync; the server returns one; the comment shows; corrected and resent") {
            assertEq(2.0, shell.tap("Outbox").second["queued"], "queued")
            // The OS ended an earlier background run: that cancel must not stop this one.
            shell.app.cancelSync()
            shell.send("SendNow")
            shell.send("SendNow")
            val outbox = shell.screen().second
            assertEq(0.0, outbox["queued"], "queued after sync")
            assertEq(2.0, outbox["sent"], "sent")
            server.admin("return", gd, "--comment", "Chỉ số 1.2 chấm chưa đúng")
            shell.send("Refresh")
            assertEq(1.0, shell.view()["sync"].obj()["returned"], "returned")
            val (kind, returned) = shell.tap("Returned")
            assertEq("Returned", kind, "screen")
            ensure(Json.write(returned).contains("Chỉ số 1.2 chấm chưa đúng")) { Json.write(returned) }
            println(shell.screenText.prependIndent("     "))
            val a = shell.tap(mapOf("Assessment" to mapOf("id" to gd))).second
            assertEq("Chỉ số 1.2 chấm chưa đúng", a["comments"].arr().first().obj()["body"], "comment")
            shell.send("Correct")
            val fix = shell.screen().second
            assertEq(true, fix["editable"], "the correction is editable")
            assertEq(2.0, fix["revision"], "revision")
            shell.send(mapOf("SetAnswer" to mapOf("indicator_id" to "1.2", "answer" to mapOf("Points" to mapOf("points" to 6.0)))))
            shell.finalize()
            shell.send("SendNow")
            val sync = shell.view()["sync"].obj()
            assertEq(0.0, sync["returned"], "returned after the fix")
            assertEq(0.0, sync["queued"], "queued after the fix")
        }

        t.test("headless shell: the summary shows the year's counts") {
            val (kind, summary) = shell.tap("Summary")
            assertEq("Summary", kind, "screen")
            fun row(model: String) = summary["rows"].arr().map { it.obj() }.first { it["model"] == model }
            assertEq(1.0, row("gia_dinh")["assessed"], "Gia đình assessed")
            assertEq(4.0, row("gia_dinh")["all"], "households")
            assertEq(1.0, row("cong_dan")["assessed"], "Công dân assessed")
            println(shell.screenText.prependIndent("     "))
        }

        t.test("headless shell: a clan and a unit arrive and are assessed") {
            server.admin("clan", "add", "Họ Nguyễn", "--household", "D01", "--household", "D02")
            server.admin("unit", "add", "Trường Tiểu học Đông", "--kind", "school", "--hamlet", "Thôn Đông")
            shell.tap("Home")
            shell.send("Refresh")
            val clan = shell.tap("Clans").second["clans"].arr().first().obj()
            assertEq("Họ Nguyễn", clan["name"], "clan")
            shell.tap(mapOf("Clan" to mapOf("id" to clan["id"])))
            shell.send(mapOf("StartAssessment" to mapOf("subject" to mapOf("kind" to "clan", "id" to clan["id"]), "model" to "dong_ho")))
            assertEq("dong_ho", shell.screen().second["model"], "clan model")
            repeat(3) { shell.send("Back") }
            val unit = shell.tap("Units").second["units"].arr().first().obj()
            assertEq("Trường Tiểu học Đông", unit["name"], "unit")
            shell.tap(mapOf("Unit" to mapOf("id" to unit["id"])))
            shell.send(mapOf("StartAssessment" to mapOf("subject" to mapOf("kind" to "unit", "id" to unit["id"]), "model" to "don_vi")))
            assertEq("don_vi", shell.screen().second["model"], "unit model")
            println("     ${shell.renders} screens drawn")
        }

        t.test("headless shell: bad JSON from a shell is refused and changes nothing") {
            val before = shell.app.view()
            assertThrows<HoctapException.InvalidInput>("bad event") { shell.app.dispatch("{nope") }
            assertThrows<HoctapException.InvalidInput>("bad task") { shell.app.runTask("[]") }
            assertEq(before, shell.app.view(), "view unchanged")
        }
    } finally {
        shell.close()
    }
}
