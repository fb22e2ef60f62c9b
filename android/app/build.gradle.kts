import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

fun prop(name: String): String? = providers.gradleProperty(name).orNull?.takeIf { it.isNotBlank() }

android {
    namespace = "vn.hoctap.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "vn.hoctap.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        // libhoctap_ffi.so for these ABIs comes from ../build-rust.sh (cargo-ndk) in
        // src/main/jniLibs; JNA's aar brings libjnidispatch.so for them.
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    signingConfigs {
        create("release") {
            prop("HOCTAP_RELEASE_STORE_FILE")?.let { storeFile = file(it) }
            storePassword = prop("HOCTAP_RELEASE_STORE_PASSWORD")
            keyAlias = prop("HOCTAP_RELEASE_KEY_ALIAS")
            keyPassword = prop("HOCTAP_RELEASE_KEY_PASSWORD")
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
            if (prop("HOCTAP_RELEASE_STORE_FILE") != null) signingConfig = signingConfigs.getByName("release")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        jniLibs { useLegacyPackaging = false }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
        allWarningsAsErrors.set(true)
    }
}

dependencies {
    // The generated UniFFI bindings call libhoctap_ffi through JNA; the aar carries JNA's own
    // native part for each ABI.
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlin.stdlib)
}
