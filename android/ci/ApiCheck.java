// API level check for android/ci-check: animal-sniffer's SignatureChecker over the compiled
// classes against the Android API 26 signature (net.sf.androidscents.signature), the way the
// animal-sniffer Maven plugin runs it. Classes defined on the app's own classpath (Kotlin
// stdlib, JNA, the app and its bindings) are known, everything else must be in API 26.
// Usage: ApiCheck <signature> <classes dir> [ignored pattern …] -- <classpath jar or dir …>
import org.codehaus.mojo.animal_sniffer.ClassListBuilder;
import org.codehaus.mojo.animal_sniffer.SignatureChecker;
import org.codehaus.mojo.animal_sniffer.logging.PrintWriterLogger;

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;

public class ApiCheck {
    public static void main(String[] args) throws Exception {
        File signature = new File(args[0]);
        File classes = new File(args[1]);
        Set<String> ignored = new HashSet<>();
        int i = 2;
        for (; i < args.length && !args[i].equals("--"); i++) ignored.add(args[i]);
        PrintWriterLogger logger = new PrintWriterLogger(System.out);
        ClassListBuilder known = new ClassListBuilder(logger);
        known.process(classes);
        for (i++; i < args.length; i++) known.process(new File(args[i]));
        ignored.addAll(known.getPackages());
        SignatureChecker checker;
        try (InputStream in = new FileInputStream(signature)) {
            checker = new SignatureChecker(in, ignored, logger);
        }
        checker.setCheckJars(false);
        checker.setSourcePath(new java.util.ArrayList<File>());
        checker.setAnnotationTypes(new java.util.ArrayList<String>());
        checker.process(classes);
        if (checker.isSignatureBroken()) {
            System.out.println("API 26 check: calls outside Android API 26 (listed above)");
            System.exit(1);
        }
        System.out.println("API 26 check: every call is in Android API 26");
    }
}
