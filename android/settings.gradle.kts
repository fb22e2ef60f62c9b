// The real build: Android Studio or ./gradlew assembleRelease (see README.md). Same sources,
// manifest and resources as android/ci-check; dependencies: JNA (aar) and the Kotlin stdlib only.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "hoctap"
include(":app")
