// Effect CloseApp: back on the first screen. On Android the app moves to the background; on iOS
// an app never closes or hides itself (the Home gesture does that, and the App Store guidelines
// refuse apps that exit), and there is no system back that would reach the first screen anyway:
// a deliberate no-op.
enum CloseApp {
    static func perform() {}
}
