// A hamlet cadre's day, through the generated Kotlin bindings, against the real hoctap-server on
// loopback: enroll from a QR payload, pull the roster, list and search households, register,
// assess with photos, finalize, sync with progress and cancellation, see the server's
// acknowledgement, receive a correction and fix it; then error mapping, calls from many
// threads, object lifetimes, and the sans-IO upload steps driven by java.net.http.HttpClient.
// The device's data is encrypted at rest with a key the test holds as a shell would hold its
// Keystore / Keychain key: every file is checked raw for names and JPEGs, a wrong key refused.
//
// Usage: java … vn.hoctap.test.CadreDayTestKt SERVER_BINARY PHOTOS_DIR
package vn.hoctap.test

import vn.hoctap.core.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import kotlin.system.exitProcess

const val YEAR = 2026
// gdht-448-2015 is for 2016–2020: refused for a new assessment in YEAR. The household flow
// uses the Gia đình template, whose results are practice results (never "Đạt").
const val GDHT = "gdht-448-2015"
const val GIA_DINH = "template-gia-dinh"
const val PRACTICE = "Kết quả tham khảo (bộ mẫu)"
const val CDHT = "cdht-324"

const val ROSTER = """hamlet,household,head,address,member,birth_year,sex,schooling,literate
Thôn Đông,D01,Nguyễn Văn Bình,Xóm 1,Nguyễn Văn Bình,1975,nam,finished,có
Thôn Đông,D01,,,Trần Thị Hoa,1978,nữ,finished,có
Thôn Đông,D01,,,Nguyễn Minh Anh,2014,nữ,in_school,
Thôn Đông,D02,Lê Thị Ánh,Xóm 2,Lê Thị Ánh,1968,nữ,finished,có
Thôn Tây,T01,Phạm Đức Anh,Xóm 3,Phạm Đức Anh,1982,nam,finished,có
"""

/** Records progress events; optionally runs [onEvent] inside the callback. */
class Recorder(private val onEvent: (SyncProgressEvent) -> Unit = {}) : SyncProgress {
    val events: MutableList<SyncProgressEvent> = Collections.synchronizedList(mutableListOf())
    override fun onProgress(event: SyncProgressEvent) {
        events.add(event)
        onEvent(event)
    }
}

fun householdSubject(id: String) = SubjectRef(SubjectKind.HOUSEHOLD, id)

fun indicator(v: AssessmentView, id: String): IndicatorView =
    v.criteria.flatMap { it.indicators }.firstOrNull { it.id == id } ?: fail("no indicator $id")

/** Answer every answerable points indicator that has no value yet. */
fun answerAll(app: HoctapApp, id: String, points: Double): AssessmentView {
    var v = app.assessment(id)
    for (ind in v.criteria.flatMap { it.indicators }) {
        if (ind.missing || ind.answerKind !is AnswerKind.Points) continue
        if (ind.answeredPoints != null) continue
        v = app.setAnswer(id, ind.id, AnswerInput.Points(points))
    }
    return v
}

fun deleteTree(f: File) {
    f.walkBottomUp().forEach { it.delete() }
}

fun main(args: Array<String>) {
    if (args.size != 2) {
        System.err.println("usage: CadreDayTestKt SERVER_BINARY PHOTOS_DIR")
        exitProcess(2)
    }
    val serverBin = args[0]
    val photos = File(args[1])
    val work = Files.createTempDirectory("hoctap-kotlin-").toFile()
    val server = TestServer(serverBin, File(work, "server"))
    val t = Runner()
    val started = System.nanoTime()
    try {
        run(t, server, work, photos)
        val criteria = File(System.getProperty("hoctap.criteria") ?: fail("-Dhoctap.criteria=DIR is required"))
        headlessDay(t, serverBin, work, photos, criteria)
    } finally {
        server.close()
        deleteTree(work)
    }
    println("Kotlin suite: ${(System.nanoTime() - started) / 1_000_000} ms")
    println("${t.passed} passed, ${t.failed} failed")
    exitProcess(if (t.failed == 0) 0 else 1)
}

fun run(t: Runner, server: TestServer, work: File, photos: File) {
    val options = defaultAppOptions().copy(
        photoDiskReserve = 0L,
        syncChunkSize = 64L * 1024,
        syncMaxRetries = 2,
        syncRetryBaseMs = 5L,
        deviceName = "Điện thoại kiểm thử",
    )
    val deviceDir = File(work, "device")
    // What a shell keeps in the Android Keystore / iOS Keychain: 32 random bytes.
    val dataKey = ByteArray(32).also { java.security.SecureRandom().nextBytes(it) }
    val app = HoctapApp.openEncrypted(deviceDir.path, dataKey, options)
    var dong = ""
    var binh = ""
    var anh = ""
    var cuc = ""
    var householdAssessment = ""
    var memberAssessment = ""

    t.test("server starts on loopback with a roster") {
        server.dataDir.mkdirs()
        server.admin("init", "--province", "25", "--commune", "04831")
        server.admin("hamlet", "add", "Thôn Đông")
        server.admin("hamlet", "add", "Thôn Tây")
        val roster = File(work, "roster.csv")
        roster.writeText(ROSTER)
        server.admin("import", "roster", roster.path)
        server.start()
        ensure(server.url.startsWith("http://127.0.0.1:")) { server.url }
    }

    t.test("before enrollment: NotEnrolled, with a Vietnamese message") {
        assertEq(null, app.enrollment(), "enrollment")
        val e = assertThrows<HoctapException.NotEnrolled>("sync") { app.sync(Recorder(), CancelToken()) }
        ensure(e.message.orEmpty().contains("đăng ký")) { "message: ${e.message}" }
        val s = app.syncStatus()
        ensure(!s.enrolled && s.label == "Chưa đăng ký với máy chủ") { "$s" }
        assertThrows<HoctapException.InvalidInput>("bad QR") { app.enrollQr("không phải mã") }
        // Nothing listens on port 1: a Network error the shell can retry.
        val n = assertThrows<HoctapException.Network>("no server") { app.enroll("http://127.0.0.1:1", "ABCD") }
        ensure(n.message.orEmpty().contains("kết nối")) { "${n.message}" }
    }

    t.test("enroll from the QR payload of admin enroll-code") {
        val out = server.adminJson("enroll-code", "--hamlet", "Thôn Đông", "--server", server.url).obj()
        ensure((out["code"] as String).isNotEmpty()) { "code" }
        val payload = Json.write(out["payload"])
        val e = app.enrollQr(payload)
        assertEq(server.url, e.server, "server")
        assertEq(listOf("Thôn Đông"), e.hamlets, "hamlets")
        assertEq(e, app.enrollment(), "enrollment()")
        // A code is single-use: the same payload again is an Auth error.
        val again = assertThrows<HoctapException.Auth>("reuse code") {
            HoctapApp.openWithOptions(File(work, "other").path, options).use { it.enrollQr(payload) }
        }
        ensure(again.message.orEmpty().contains("Mã đăng ký")) { "${again.message}" }
    }

    t.test("first sync pulls the roster, reporting progress") {
        val rec = Recorder()
        val r = app.sync(rec, CancelToken())
        assertEq(SyncOutcome.DONE, r.outcome, "outcome (${r.message})")
        assertEq(2L, r.householdsReceived, "households received")
        val phases = rec.events.map { it.phase }
        ensure(SyncPhase.PULL in phases && phases.last() == SyncPhase.DONE) { "phases $phases" }
        ensure(rec.events.all { it.message.isNotBlank() }) { "messages" }
        ensure(app.syncStatus().lastSync != null) { "last sync" }
    }

    t.test("hamlets and households: Vietnamese order, search without diacritics") {
        val hamlets = app.hamlets()
        assertEq(listOf("Thôn Đông"), hamlets.map { it.name }, "hamlets")
        assertEq(2L, hamlets[0].households, "households in hamlet")
        assertEq("Thôn", hamlets[0].kindLabel, "kind label")
        dong = hamlets[0].id
        val rows = app.households(dong, null, YEAR)
        assertEq(listOf("Lê Thị Ánh", "Nguyễn Văn Bình"), rows.map { it.head }, "order by given name")
        ensure(rows.all { it.status == HouseholdStatus.NOT_REGISTERED && it.statusLabel == "Chưa đăng ký" }) { "$rows" }
        anh = rows[0].id
        binh = rows[1].id
        assertEq(listOf("Nguyễn Văn Bình"), app.households(dong, "binh", YEAR).map { it.head }, "search binh")
        assertEq(0, app.households(null, "XOM 2", YEAR).size, "the address is not searched unless asked")
        assertEq(listOf("Lê Thị Ánh"), app.searchHouseholds(null, "XOM 2", true, YEAR).map { it.head }, "search address")
        // Member names are searched too: "minh anh" is a child in Bình's household.
        assertEq(listOf("Nguyễn Văn Bình"), app.households(dong, "minh anh", YEAR).map { it.head }, "member")
        assertEq(listOf("D02"), app.households(dong, "d02", YEAR).map { it.rosterCode }, "by household code")
        assertEq(0, app.households(dong, "không có ai", YEAR).size, "no match")
        val d = app.household(binh, YEAR)
        assertEq(listOf("Nguyễn Minh Anh", "Nguyễn Văn Bình", "Trần Thị Hoa"), d.members.map { it.name }, "members")
        val child = d.members.first { it.name == "Nguyễn Minh Anh" }
        assertEq(12, child.age, "age in $YEAR")
        assertEq("Đang đi học", child.schoolingLabel, "schooling label")
        assertEq("D01", d.rosterCode, "roster code")
    }

    t.test("add a household and a member, register it") {
        val h = app.addHousehold(NewHouseholdInput(dong, "  Đặng Thị Cúc ", "Xóm 4", null))
        assertEq("Đặng Thị Cúc", h.head, "head cleaned")
        cuc = h.id
        val m = app.addMember(cuc, NewMemberInput("Đặng Thị Cúc", 1990, MemberSex.FEMALE, "Chủ hộ",
            MemberSchooling.FINISHED, true, null, false))
        assertEq("Nữ", m.sexLabel, "sex label")
        assertThrows<HoctapException.InvalidInput>("empty head") {
            app.addHousehold(NewHouseholdInput(dong, "   ", null, null))
        }
        assertThrows<HoctapException.NotFound>("unknown hamlet") {
            app.addHousehold(NewHouseholdInput("0190f0f0-0000-7000-8000-000000000000", "Ai Đó", null, null))
        }
        assertThrows<HoctapException.InvalidInput>("birth year") {
            app.addMember(cuc, NewMemberInput("Bé", 1800, null, null, null, null, null, false))
        }
        app.register(householdSubject(cuc), LearningModel.GIA_DINH, YEAR)
        app.register(householdSubject(cuc), LearningModel.GIA_DINH, YEAR) // idempotent
        val rows = app.households(dong, null, YEAR)
        assertEq(listOf("Lê Thị Ánh", "Nguyễn Văn Bình", "Đặng Thị Cúc"), rows.map { it.head }, "order")
        assertEq(HouseholdStatus.REGISTERED, rows.last().status, "status")
        assertThrows<HoctapException.InvalidInput>("model for subject") {
            app.register(householdSubject(cuc), LearningModel.CONG_DAN, YEAR)
        }
    }

    t.test("roster edits, a clan and a unit, the set-aside queue") {
        val edited = app.editHousehold(cuc, HouseholdChangeInput(null, null, "0912 345 678", "D03"))
        assertEq("D03", edited.rosterCode, "code set")
        assertEq("Xóm 4", edited.address, "untouched field kept")
        assertEq(listOf(cuc), app.households(dong, "d03", YEAR).map { it.id }, "found by code")
        assertEq(1, app.similarHouseholds(dong, "dang thi cuc").size, "possible duplicate")
        val clan = app.addClan("Họ Nguyễn", listOf(binh, anh))
        assertEq(listOf("Thôn Đông"), clan.hamlets, "clan hamlets")
        assertEq("Họ Nguyễn Văn", app.editClan(clan.id, "Họ Nguyễn Văn", null).name, "clan renamed")
        val school = app.addUnit(UnitInput("Trường Tiểu học Đông", OrgUnitKind.SCHOOL, dong, null))
        assertEq("Trường học", school.kindLabel, "unit kind label")
        assertEq(1, app.units().size, "units")
        assertThrows<HoctapException.InvalidInput>("blank clan name") { app.addClan("  ", listOf()) }
        assertThrows<HoctapException.NotFound>("unknown household") {
            app.removeHousehold("0190f0f0-0000-7000-8000-000000000000")
        }
        assertEq(0L, app.retryAllWedged(), "nothing set aside")
    }

    t.test("assessment view model: groups, texts, derived values, live total") {
        val sets = app.criteriaSets(LearningModel.GIA_DINH)
        ensure(sets.any { it.id == GDHT && it.notice != null }) { "sets $sets" }
        val old = assertThrows<HoctapException.InvalidInput>("set out of its period") {
            app.startAssessment(householdSubject(binh), GDHT, YEAR)
        }
        ensure(old.message.orEmpty().contains("2016-2020") && old.message.orEmpty().contains(GIA_DINH)) { "${old.message}" }
        ensure(sets.any { it.id == GIA_DINH && it.notice != null }) { "sets $sets" }
        var v = app.startAssessment(householdSubject(binh), GIA_DINH, YEAR)
        householdAssessment = v.id
        assertEq(AssessmentState.DRAFT, v.state, "state")
        ensure(v.editable) { "editable" }
        assertEq("Nguyễn Văn Bình", v.subjectName, "subject name")
        assertEq("Gia đình học tập", v.modelTitle, "model title")
        ensure(v.criteriaNotice != null) { "template notice" }
        assertEq(listOf("1", "2", "3", "4"), v.criteria.map { it.id }, "criteria")
        val d11 = indicator(v, "1.1")
        ensure(d11.answerKind is AnswerKind.Derived) { "1.1 derived" }
        assertEq(ValueSource.DERIVED, d11.source, "1.1 source")
        assertEq(10.0, d11.points, "1.1 derived points")
        ensure(d11.explanation.orEmpty().isNotBlank()) { "1.1 explanation" }
        ensure(d11.text.contains("Trẻ em")) { d11.text }
        assertEq(ResultStatus.INCOMPLETE, v.result.status, "status")
        ensure(v.result.practice) { "a template's result is a practice result" }
        assertEq("$PRACTICE: chưa đủ thông tin", v.result.label, "label")
        ensure(!v.result.canFinalize) { "cannot finalize yet" }
        val before = v.result.total
        v = app.setAnswer(v.id, "1.2", AnswerInput.Points(8.0))
        assertEq(before + 8.0, v.result.total, "live total")
        assertEq(8.0, indicator(v, "1.2").answeredPoints, "answered")
        assertEq(ValueSource.ANSWERED, indicator(v, "1.2").source, "source")
        v = app.setNote(v.id, "1.2", "Cháu học khá")
        v = app.setAnswer(v.id, "1.2", AnswerInput.Points(9.0))
        assertEq("Cháu học khá", indicator(v, "1.2").note, "note kept")
        assertEq(HouseholdStatus.DRAFT, app.households(dong, "binh", YEAR)[0].status, "list status")
        assertEq(v, app.startAssessment(householdSubject(binh), GIA_DINH, YEAR), "resume draft")
    }

    t.test("invalid answers map to InvalidInput with Vietnamese messages") {
        val e = assertThrows<HoctapException.InvalidInput>("out of range") {
            app.setAnswer(householdAssessment, "1.2", AnswerInput.Points(11.0))
        }
        ensure(e.message.orEmpty().contains("1.2") && e.message.orEmpty().contains("ngoài khoảng")) { "${e.message}" }
        ensure(!e.message.orEmpty().contains(" / ")) { "English gloss left: ${e.message}" }
        assertThrows<HoctapException.InvalidInput>("negative") {
            app.setAnswer(householdAssessment, "1.3", AnswerInput.Points(-1.0))
        }
        assertThrows<HoctapException.InvalidInput>("yes/no on points") {
            app.setAnswer(householdAssessment, "1.3", AnswerInput.YesNo(true))
        }
        val o = assertThrows<HoctapException.InvalidInput>("override without reason") {
            app.setAnswer(householdAssessment, "1.1", AnswerInput.Override(5.0, ""))
        }
        ensure(o.message.orEmpty().contains("lý do")) { "${o.message}" }
        assertThrows<HoctapException.InvalidInput>("unknown indicator") {
            app.setAnswer(householdAssessment, "9.9", AnswerInput.Points(1.0))
        }
        assertThrows<HoctapException.NotFound>("unknown assessment") {
            app.assessment("0190f0f0-0000-7000-8000-000000000000")
        }
        // Overriding a derived value with a reason, then clearing it, restores the computed one.
        var v = app.setAnswer(householdAssessment, "1.1", AnswerInput.Override(5.0, "Cháu nghỉ học 3 tháng"))
        assertEq(ValueSource.OVERRIDDEN, indicator(v, "1.1").source, "overridden")
        assertEq(5.0, indicator(v, "1.1").points, "override points")
        v = app.setAnswer(householdAssessment, "1.1", AnswerInput.Clear)
        assertEq(ValueSource.DERIVED, indicator(v, "1.1").source, "back to derived")
    }

    t.test("photos: attach, thumbnails, remove; damaged and unsupported files") {
        val photo = File(photos, "gps/DSCN0010.jpg")
        ensure(photo.exists()) { "test photo missing: $photo" }
        var v = app.attachPhoto(householdAssessment, "1.2", photo.path)
        val ps = indicator(v, "1.2").photos
        assertEq(1, ps.size, "photos")
        ensure(File(ps[0].thumbPath).isFile && File(ps[0].path).isFile) { "files" }
        ensure(ps[0].hasGps) { "gps" }
        // Taken in 2008: flagged (plausibility), never refused.
        ensure(ps[0].flags.any { it.code == "taken_outside_year" && it.message.startsWith("Ảnh chụp năm 2008") }) { "${ps[0].flags}" }
        v = app.attachPhoto(householdAssessment, "1.2", photo.path) // same photo: no-op
        assertEq(1, indicator(v, "1.2").photos.size, "idempotent")
        v = app.removePhoto(householdAssessment, "1.2", ps[0].sha256)
        assertEq(0, indicator(v, "1.2").photos.size, "removed")
        v = app.attachPhoto(householdAssessment, "1.2", File(photos, "orientation/Landscape_6.jpg").path)
        val p = indicator(v, "1.2").photos.single()
        ensure(p.width > p.height) { "EXIF orientation applied: ${p.width}x${p.height}" }

        val full = File(photos, "orientation/Portrait_1.jpg").readBytes()
        val damaged = File(work, "damaged.jpg")
        damaged.writeBytes(full.copyOf(full.size / 3))
        val e = assertThrows<HoctapException.Photo>("damaged") {
            app.attachPhoto(householdAssessment, "1.3", damaged.path)
        }
        ensure(e.message.orEmpty().startsWith("Ảnh bị hỏng")) { "${e.message}" }
        val text = File(work, "note.jpg")
        text.writeText("đây không phải ảnh")
        val u = assertThrows<HoctapException.Photo>("not an image") {
            app.attachPhoto(householdAssessment, "1.3", text.path)
        }
        ensure(u.message.orEmpty().contains("không phải ảnh JPEG")) { "${u.message}" }
        assertThrows<HoctapException.Photo>("missing file") {
            app.attachPhoto(householdAssessment, "1.3", File(work, "nothing.jpg").path)
        }
        // Less free space than the configured reserve: StorageFull, and nothing attached.
        HoctapApp.openEncrypted(deviceDir.path, dataKey, options.copy(photoDiskReserve = 1L shl 60)).use { full ->
            val s = assertThrows<HoctapException.StorageFull>("disk full") {
                full.attachPhoto(householdAssessment, "1.3", photo.path)
            }
            ensure(s.message.orEmpty().startsWith("Bộ nhớ máy sắp đầy")) { "${s.message}" }
        }
        assertEq(0, indicator(app.assessment(householdAssessment), "1.3").photos.size, "nothing attached")
        // Bytes work as well as paths.
        v = app.attachPhotoBytes(householdAssessment, "2.2", File(photos, "gps/DSCN0021.jpg").readBytes())
        assertEq(1, indicator(v, "2.2").photos.size, "bytes photo")
    }

    t.test("encryption at rest: no name and no JPEG in any file; a wrong key changes nothing") {
        ensure(app.isEncrypted()) { "encrypted" }
        assertEq(DataState.ENCRYPTED, dataState(deviceDir.path), "data state")
        assertEq(DataState.NEW, dataState(File(work, "nothing-here").path), "new")
        val files = deviceDir.walkTopDown().filter { it.isFile }.toList()
        ensure(files.any { it.name == "hoctap.db" }) { "${files.map { it.name }}" }
        ensure(files.count { it.name.endsWith(".jpg") } >= 4) { "photos and thumbnails: ${files.map { it.name }}" }
        val needles = listOf("Nguyễn Văn Bình", "Trần Thị Hoa", "Lê Thị Ánh", "Thôn Đông", "SQLite format 3", "JFIF")
            .map { it.toByteArray(Charsets.UTF_8) }
        for (f in files) {
            val bytes = f.readBytes()
            val jpeg = bytes.size >= 3 && bytes[0] == 0xFF.toByte() && bytes[1] == 0xD8.toByte() && bytes[2] == 0xFF.toByte()
            ensure(!jpeg) { "${f.path} is a clear JPEG" }
            for (n in needles) ensure(indexOf(bytes, n) < 0) { "${f.path} holds \"${String(n, Charsets.UTF_8)}\" in clear" }
        }
        // The shell shows photos from decrypted bytes (their paths hold ciphertext).
        val p = indicator(app.assessment(householdAssessment), "2.2").photos.single()
        val thumb = app.thumbnailBytes(p.sha256)
        ensure(thumb.size > 100 && thumb[0] == 0xFF.toByte() && thumb[1] == 0xD8.toByte()) { "thumbnail bytes" }
        val full = app.photoBytes(p.sha256)
        ensure(full.size > thumb.size && full[0] == 0xFF.toByte() && full[1] == 0xD8.toByte()) { "photo bytes" }

        // The database and photo files, byte for byte, before and after the refused opens.
        fun snapshot() = files.filter { !it.name.endsWith("-shm") && it.exists() }.associate { it.path to it.readBytes().toList() }
        val before = snapshot()
        val wrong = ByteArray(32) { 7 }
        val e = assertThrows<HoctapException.Key>("wrong key") { HoctapApp.openEncrypted(deviceDir.path, wrong, options).close() }
        ensure(e.message.orEmpty().startsWith("Khoá hoặc mật khẩu không đúng")) { "${e.message}" }
        val k = assertThrows<HoctapException.Key>("no key") { HoctapApp.open(deviceDir.path).close() }
        ensure(k.message.orEmpty().contains("đã được mã hoá")) { "${k.message}" }
        val s = assertThrows<HoctapException.Key>("short key") {
            HoctapApp.openEncrypted(File(work, "short").path, ByteArray(16), options).close()
        }
        ensure(s.message.orEmpty().contains("32 byte")) { "${s.message}" }
        ensure(before == snapshot()) { "a refused open changed the files" }
    }

    t.test("finalize: refused while incomplete, then frozen") {
        val e = assertThrows<HoctapException.InvalidInput>("incomplete") { app.finalize(householdAssessment) }
        ensure(e.message.orEmpty().startsWith("Chưa thể chốt phiếu")) { "${e.message}" }
        var v = answerAll(app, householdAssessment, 7.0)
        v = app.setAnswer(householdAssessment, "4.1", AnswerInput.YesNo(true))
        // 3.1 asks for a photo: the one already on 2.2 (one stored photo).
        v = app.attachPhoto(householdAssessment, "3.1", File(photos, "gps/DSCN0021.jpg").path)
        ensure(v.result.canFinalize) { "can finalize: ${v.result.reasons}" }
        v = app.finalize(householdAssessment)
        assertEq(AssessmentState.FINALIZED, v.state, "state")
        ensure(!v.editable) { "not editable" }
        assertEq(OutboxState.QUEUED, v.outboxState, "outbox state")
        // 81 points on the template: a practice result, which never reads "Đạt".
        assertEq(ResultStatus.PASSED, v.result.status, "status code")
        ensure(v.result.practice && v.result.label.startsWith(PRACTICE) && !v.result.label.lowercase().contains("đạt")) {
            v.result.label
        }
        assertEq("Gia đình học tập", v.result.levelTitle, "level title")
        val c = assertThrows<HoctapException.Conflict>("change finalized") {
            app.setAnswer(householdAssessment, "1.2", AnswerInput.Points(1.0))
        }
        ensure(c.message.orEmpty().contains("đã chốt")) { "${c.message}" }
        assertEq(HouseholdStatus.FINALIZED, app.household(binh, YEAR).status, "household status")
        assertEq(v, app.finalize(householdAssessment), "idempotent")
    }

    t.test("Công dân học tập for a member: passes with photos") {
        // A 12-year-old is not assessed for Công dân học tập (from 18).
        val child = app.household(binh, YEAR).members.first { it.name == "Nguyễn Minh Anh" }
        val young = assertThrows<HoctapException.InvalidInput>("a child") {
            app.startAssessment(SubjectRef(SubjectKind.MEMBER, child.id), CDHT, YEAR)
        }
        ensure(young.message.orEmpty().contains("12 tuổi") && young.message.orEmpty().contains("18 tuổi")) { "${young.message}" }
        val member = app.household(binh, YEAR).members.first { it.name == "Nguyễn Văn Bình" }
        var v = app.startAssessment(SubjectRef(SubjectKind.MEMBER, member.id), CDHT, YEAR)
        memberAssessment = v.id
        assertEq(null, v.criteriaNotice, "official set")
        ensure(!v.result.practice) { "official set" }
        v = answerAll(app, v.id, 8.0)
        assertEq(ResultStatus.PASSED, v.result.status, "passed (${v.result.reasons})")
        assertEq("Đạt", v.result.label, "label")
        assertEq("80/100 điểm", v.result.totalLabel, "total label")
        v = app.attachPhoto(v.id, "1.1", File(photos, "phones/iphone6-3264x2448.jpg").path)
        v = app.attachPhoto(v.id, "2.1", File(photos, "gps/DSCN0021.jpg").path)
        v = app.finalize(v.id)
        assertEq(AssessmentState.FINALIZED, v.state, "state")
        val lines = app.household(binh, YEAR).assessments
        ensure(lines.any { it.id == memberAssessment && it.resultStatus == ResultStatus.PASSED }) { "$lines" }
    }

    t.test("sync: cancel handle stops it, then it uploads with progress") {
        val cancelled = CancelToken()
        cancelled.cancel()
        ensure(cancelled.isCancelled()) { "token" }
        assertEq(SyncOutcome.CANCELLED, app.sync(Recorder(), cancelled).outcome, "cancelled before start")
        val token = CancelToken()
        val rec = Recorder { token.cancel() }
        val r = app.sync(rec, token)
        assertEq(SyncOutcome.CANCELLED, r.outcome, "cancelled from a callback")
        assertEq(1, rec.events.size, "stopped after the first event")
        assertEq(2L, app.outbox().queued, "nothing sent yet")

        // While a sync runs, other calls work (own connection) and a second sync is refused.
        val inner = mutableListOf<String>()
        val rec2 = Recorder { ev ->
            if (ev.phase == SyncPhase.PHOTOS && inner.isEmpty()) {
                inner.add(app.households(dong, null, YEAR).size.toString())
                try {
                    app.sync(Recorder(), CancelToken())
                    inner.add("second sync ran")
                } catch (e: HoctapException.Conflict) {
                    inner.add("conflict")
                }
                ensure(app.syncStatus().running) { "running" }
            }
        }
        val done = app.sync(rec2, CancelToken())
        assertEq(SyncOutcome.DONE, done.outcome, "outcome (${done.message})")
        assertEq(listOf("3", "conflict"), inner, "calls during sync")
        assertEq(2L, done.sent, "sent")
        // The same source photo attached twice (file and bytes) is one stored photo.
        assertEq(3L, done.photosUploaded, "photos uploaded")
        ensure(rec2.events.any { it.phase == SyncPhase.PHOTOS } && rec2.events.any { it.phase == SyncPhase.ASSESSMENTS }) {
            "phases ${rec2.events.map { it.phase }}"
        }
        ensure(rec2.events.last().photoBytesSent > 0) { "bytes" }
        val outbox = app.outbox()
        assertEq(2L, outbox.sent, "outbox sent")
        ensure(outbox.items.all { it.state == OutboxState.SENT && it.stateLabel == "Đã gửi" && it.sentAt != null }) { "$outbox" }
        assertEq(HouseholdStatus.SENT, app.household(binh, YEAR).status, "household status")
        assertEq("Đã gửi hết", app.syncStatus().label, "status label")
        val onServer = server.adminJson("assessments").arr().map { it.obj() }
        assertEq(setOf(householdAssessment, memberAssessment), onServer.map { it["id"] }.toSet(), "server ids")
        ensure(onServer.all { it["mismatch"] == false }) { "re-scored identically: $onServer" }
    }

    t.test("a returned assessment is corrected and sent again") {
        server.admin("return", householdAssessment, "--comment", "Chỉ số 1.2 chấm chưa đúng")
        val r = app.sync(Recorder(), CancelToken())
        assertEq(SyncOutcome.DONE, r.outcome, "outcome")
        assertEq(1L, r.returned, "returned")
        val row = app.households(dong, "binh", YEAR).single()
        assertEq(HouseholdStatus.NEEDS_CORRECTION, row.status, "status")
        assertEq("Chỉ số 1.2 chấm chưa đúng", row.comment, "comment in list")
        val item = app.outbox().items.first { it.id == householdAssessment }
        assertEq(OutboxState.NEEDS_CORRECTION, item.state, "outbox")
        assertEq("Chỉ số 1.2 chấm chưa đúng", item.detail, "detail")
        assertEq("1 phiếu cần sửa", app.syncStatus().label, "status label")
        var fix = app.correct(householdAssessment)
        assertEq(householdAssessment, fix.parentId, "parent")
        assertEq(2, fix.revision, "revision")
        ensure(fix.editable) { "editable" }
        assertEq(1, indicator(fix, "1.2").photos.size, "photos copied")
        assertEq(HouseholdStatus.DRAFT, app.households(dong, "binh", YEAR).single().status, "draft")
        assertThrows<HoctapException.InvalidInput>("correct twice") { app.correct(householdAssessment) }
        fix = app.setAnswer(fix.id, "1.2", AnswerInput.Points(6.0))
        fix = app.finalize(fix.id)
        val r2 = app.sync(Recorder(), CancelToken())
        assertEq(1L, r2.sent, "sent the fix")
        assertEq(HouseholdStatus.SENT, app.households(dong, "binh", YEAR).single().status, "sent")
        val ids = server.adminJson("assessments").arr().map { it.obj()["id"] }.toSet()
        assertEq(setOf(householdAssessment, memberAssessment, fix.id), ids, "server ids")
    }

    t.test("sans-IO upload jobs driven by java.net.http.HttpClient") {
        var v = app.startAssessment(householdSubject(anh), GIA_DINH, YEAR)
        // One photo, on the three indicators that take one: one upload.
        for (item in listOf("1.3", "2.2", "3.1")) {
            v = app.attachPhoto(v.id, item, File(photos, "orientation/Portrait_3.jpg").path)
        }
        app.setAnswer(v.id, "4.1", AnswerInput.YesNo(true))
        answerAll(app, v.id, 9.0)
        app.finalize(v.id)
        val client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        assertThrows<HoctapException.NotFound>("unknown job") {
            app.completeUploadJob("nope", 200, emptyList(), ByteArray(0))
        }
        val first = app.nextUploadJob() ?: fail("a first job")
        assertEq(first, app.nextUploadJob(), "same job until answered")
        assertEq("pull", first.kind, "pull first")
        assertThrows<HoctapException.Conflict>("sync during an upload session") { app.sync(Recorder(), CancelToken()) }
        app.failUploadJob(first.jobId) // as if the connection was cut: the next job retries it
        val kinds = mutableListOf<String>()
        var progress: UploadProgress? = null
        var steps = 0
        while (true) {
            val job = app.nextUploadJob() ?: break
            ensure(++steps < 200) { "too many jobs" }
            kinds.add(job.kind)
            val body = job.bodyPath?.let { HttpRequest.BodyPublishers.ofFile(Path.of(it)) }
                ?: HttpRequest.BodyPublishers.noBody()
            if (job.bodyPath != null) assertEq(job.bodyLen, File(job.bodyPath!!).length(), "body file")
            val req = HttpRequest.newBuilder(URI.create(job.url)).method(job.method, body)
            job.headers.forEach { req.header(it.name, it.value) }
            val resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray())
            val headers = resp.headers().map().flatMap { (k, vs) -> vs.map { HttpHeader(k, it) } }
            progress = app.completeUploadJob(job.jobId, resp.statusCode(), headers, resp.body())
            job.bodyPath?.let { ensure(!File(it).exists()) { "body file removed" } }
        }
        assertEq("pull", kinds.first(), "pull again after the failure")
        ensure("blob_chunk" in kinds && "batch" in kinds && kinds.last() == "heartbeat") { "$kinds" }
        assertEq(1L, progress?.sent, "sent")
        assertEq(1L, progress?.photosUploaded, "photo")
        assertEq(OutboxState.SENT, app.outbox().items.first { it.id == v.id }.state, "outbox")
        val ids = server.adminJson("assessments").arr().map { it.obj()["id"] }
        ensure(v.id in ids) { "on the server: $ids" }
        assertEq("pull", app.nextUploadJob()?.kind, "a new session starts with a pull")
        app.endUploadSession()
        ensure(!app.syncStatus().running) { "session ended" }
    }

    t.test("8 threads list, search and answer at once") {
        val v = app.startAssessment(householdSubject(cuc), GIA_DINH, YEAR)
        val errors = Collections.synchronizedList(mutableListOf<Throwable>())
        val calls = AtomicInteger()
        val start = CountDownLatch(1)
        val threads = (0 until 8).map { n ->
            Thread {
                start.await()
                try {
                    repeat(25) { i ->
                        when ((n + i) % 4) {
                            0 -> ensure(app.households(dong, null, YEAR).size == 3) { "list" }
                            1 -> ensure(app.households(null, "thi", YEAR).isNotEmpty()) { "search" }
                            2 -> app.setAnswer(v.id, listOf("1.2", "1.3", "2.2")[n % 3], AnswerInput.Points(((n + i) % 11).toDouble()))
                            else -> ensure(app.assessment(v.id).criteria.size == 4) { "view" }
                        }
                        calls.incrementAndGet()
                    }
                } catch (e: Throwable) {
                    errors.add(e)
                }
            }.apply { start() }
        }
        start.countDown()
        threads.forEach { it.join(60_000) }
        ensure(errors.isEmpty()) { "errors: $errors" }
        assertEq(200, calls.get(), "calls")
        val after = app.assessment(v.id)
        val sum = after.criteria.flatMap { it.indicators }.mapNotNull { it.points }.sum()
        assertEq(sum, after.result.total, "total consistent with items")
        // The draft can be thrown away: the household is back to "registered".
        app.discardDraft(v.id)
        assertEq(HouseholdStatus.REGISTERED, app.household(cuc, YEAR).status, "after discard")
        assertThrows<HoctapException.NotFound>("discarded") { app.assessment(v.id) }
    }

    t.test("summary for the year against the Decision 387 targets") {
        val s = app.summary(YEAR)
        val gd = s.rows.first { it.model == LearningModel.GIA_DINH }
        assertEq(3L, gd.all, "households")
        assertEq(2L, gd.assessed, "assessed (latest finalized revision)")
        assertEq(0L, gd.passed, "passed: practice results (a template's) never count")
        assertEq(70.0, gd.targetPercent, "default target")
        assertEq(false, gd.meetsTarget, "meets target")
        assertEq("0/3 đạt (0%) — chỉ tiêu 70%", gd.label, "label")
        val cd = s.rows.first { it.model == LearningModel.CONG_DAN }
        assertEq(1L, cd.passed, "citizens passed")
        assertEq(null, cd.targetPercent, "no citizen target")
        assertEq(listOf(70.0, 65.0, 65.0, 80.0, null), app.targets().map { it.percent }, "defaults")
        app.setTarget(LearningModel.GIA_DINH, 85.0)
        assertEq(85.0, app.summary(YEAR).rows.first { it.model == LearningModel.GIA_DINH }.targetPercent, "set")
        assertThrows<HoctapException.InvalidInput>("150%") { app.setTarget(LearningModel.DON_VI, 150.0) }
    }

    t.test("object lifetimes: closed objects fail cleanly, data persists") {
        val again = HoctapApp.openEncrypted(deviceDir.path, dataKey, defaultAppOptions())
        assertEq(app.outbox(), again.outbox(), "a second instance sees the same data")
        again.close()
        val e = assertThrows<IllegalStateException>("use after close") { again.hamlets() }
        ensure(e.message.orEmpty().contains("destroyed")) { "${e.message}" }
        again.close() // closing twice is harmless
        val token = CancelToken()
        token.close()
        assertThrows<IllegalStateException>("token after close") { token.cancel() }
        HoctapApp.open(File(work, "scoped").path).use { ensure(it.hamlets().isEmpty()) { "empty" } }
        assertThrows<HoctapException.InvalidInput>("empty dir") { HoctapApp.open(" ") }
        assertEq(currentYear() >= 2025, true, "current year")
    }

    app.close()
}

/** Index of [needle] in [hay], or -1. */
fun indexOf(hay: ByteArray, needle: ByteArray): Int {
    outer@ for (i in 0..hay.size - needle.size) {
        for (j in needle.indices) if (hay[i + j] != needle[j]) continue@outer
        return i
    }
    return -1
}
