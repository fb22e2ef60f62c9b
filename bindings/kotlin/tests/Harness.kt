// Test harness for the Kotlin suite: a tiny test runner (no JUnit on this machine), assertions,
// a minimal JSON reader/writer, and the real `hoctap-server` binary started on loopback.
package vn.hoctap.test

import java.io.File
import java.util.concurrent.TimeUnit

class AssertionFailed(message: String) : Exception(message)

fun fail(message: String): Nothing = throw AssertionFailed(message)

fun ensure(condition: Boolean, message: () -> String) {
    if (!condition) fail(message())
}

fun <T> assertEq(expected: T, actual: T, what: String = "value") {
    if (expected != actual) fail("$what: expected <$expected>, got <$actual>")
}

/** Runs [block] and returns the exception of type [E] it must throw. */
inline fun <reified E : Throwable> assertThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        fail("$what: expected ${E::class.simpleName}, got ${e::class.qualifiedName}: ${e.message}")
    }
    fail("$what: expected ${E::class.simpleName}, nothing was thrown")
}

/** Runs named tests in order, printing one line each and `N passed, N failed` at the end. */
class Runner {
    var passed = 0
        private set
    var failed = 0
        private set

    fun test(name: String, block: () -> Unit) {
        val started = System.nanoTime()
        try {
            block()
            passed++
            println("ok   $name (${(System.nanoTime() - started) / 1_000_000} ms)")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: ${e::class.simpleName}: ${e.message}")
            e.printStackTrace(System.out)
        }
    }
}

/** A minimal JSON reader (objects, arrays, strings, numbers, booleans, null). */
class Json private constructor(private val s: String) {
    private var i = 0

    companion object {
        fun parse(text: String): Any? {
            val p = Json(text)
            val v = p.value()
            p.ws()
            if (p.i != p.s.length) throw IllegalArgumentException("trailing data at ${p.i}")
            return v
        }

        /** Serialises maps, lists, strings, numbers, booleans and null. */
        fun write(v: Any?): String = when (v) {
            null -> "null"
            is String -> quote(v)
            // The reader gives every number as a Double: a whole one goes back without ".0"
            // (a byte or a count must stay an integer for the core's strict reader).
            is Double -> if (v == Math.rint(v) && Math.abs(v) < 1e15) v.toLong().toString() else v.toString()
            is Boolean, is Number -> v.toString()
            is Map<*, *> -> v.entries.joinToString(",", "{", "}") { (k, x) -> quote(k.toString()) + ":" + write(x) }
            is List<*> -> v.joinToString(",", "[", "]") { write(it) }
            else -> throw IllegalArgumentException("cannot write ${v::class}")
        }

        private fun quote(s: String): String {
            val b = StringBuilder("\"")
            for (c in s) {
                when {
                    c == '"' -> b.append("\\\"")
                    c == '\\' -> b.append("\\\\")
                    c < ' ' -> b.append(String.format("\\u%04x", c.code))
                    else -> b.append(c)
                }
            }
            return b.append('"').toString()
        }
    }

    private fun ws() {
        while (i < s.length && s[i].isWhitespace()) i++
    }

    private fun value(): Any? {
        ws()
        if (i >= s.length) throw IllegalArgumentException("unexpected end")
        return when (s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> lit("true", true)
            'f' -> lit("false", false)
            'n' -> lit("null", null)
            else -> num()
        }
    }

    private fun lit(word: String, v: Any?): Any? {
        if (!s.startsWith(word, i)) throw IllegalArgumentException("bad literal at $i")
        i += word.length
        return v
    }

    private fun num(): Double {
        val start = i
        while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
        return s.substring(start, i).toDouble()
    }

    private fun str(): String {
        i++
        val b = StringBuilder()
        while (s[i] != '"') {
            if (s[i] == '\\') {
                i++
                when (s[i]) {
                    'n' -> b.append('\n')
                    't' -> b.append('\t')
                    'r' -> b.append('\r')
                    'b' -> b.append('\b')
                    'f' -> b.append('\u000c')
                    'u' -> {
                        b.append(s.substring(i + 1, i + 5).toInt(16).toChar())
                        i += 4
                    }
                    else -> b.append(s[i])
                }
            } else {
                b.append(s[i])
            }
            i++
        }
        i++
        return b.toString()
    }

    private fun arr(): List<Any?> {
        i++
        val out = mutableListOf<Any?>()
        ws()
        if (s[i] == ']') {
            i++
            return out
        }
        while (true) {
            out.add(value())
            ws()
            if (s[i++] == ']') return out
        }
    }

    private fun obj(): Map<String, Any?> {
        i++
        val out = linkedMapOf<String, Any?>()
        ws()
        if (s[i] == '}') {
            i++
            return out
        }
        while (true) {
            ws()
            val k = str()
            ws()
            i++ // ':'
            out[k] = value()
            ws()
            if (s[i++] == '}') return out
        }
    }
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = this as? Map<String, Any?> ?: fail("not a JSON object: $this")

@Suppress("UNCHECKED_CAST")
fun Any?.arr(): List<Any?> = this as? List<Any?> ?: fail("not a JSON array: $this")

/** The real `hoctap-server` on loopback, with its own data directory. */
class TestServer(private val bin: String, val dataDir: File) : AutoCloseable {
    private var process: Process? = null
    lateinit var url: String
        private set

    /** `hoctap-server admin --data DIR ARGS…`; its stdout (fails on a non-zero exit). */
    fun admin(vararg args: String): String {
        val p = ProcessBuilder(listOf(bin, "admin", "--data", dataDir.path) + args.toList())
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start()
        val out = p.inputStream.bufferedReader().readText()
        val err = p.errorStream.bufferedReader().readText()
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            fail("admin ${args.toList()} timed out")
        }
        if (p.exitValue() != 0) fail("admin ${args.toList()} failed (${p.exitValue()}): $err $out")
        return out
    }

    fun adminJson(vararg args: String): Any? = Json.parse(admin(*args, "--json"))

    /** Start `serve --listen 127.0.0.1:0` and read the address it prints. */
    fun start() {
        val p = ProcessBuilder(bin, "serve", "--data", dataDir.path, "--listen", "127.0.0.1:0")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        process = p
        val reader = p.inputStream.bufferedReader()
        val line = reader.readLine() ?: fail("server printed nothing")
        url = "http://" + (line.trim().removePrefix("listening on http://").takeIf { it != line.trim() }
            ?: fail("unexpected first line: $line"))
        // Keep draining stdout so the server never blocks on a full pipe.
        Thread { reader.forEachLine { } }.apply { isDaemon = true }.start()
    }

    override fun close() {
        process?.let {
            it.destroy()
            if (!it.waitFor(10, TimeUnit.SECONDS)) it.destroyForcibly()
        }
    }
}
