#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files, which bounds how many connections the
/// server can hold: each is a descriptor, as are the model files, the
/// database and upstream connections.
enum DescriptorLimit {
    /// Descriptors kept back from connections for the server's own files.
    static let reserve = 128

    /// Raises the soft RLIMIT_NOFILE to the hard limit (many systems start
    /// processes at 1,024 although far more is allowed) and returns the limit
    /// now in force.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        var wanted = limit.rlim_max
        #if canImport(Darwin)
        // macOS refuses a soft limit above OPEN_MAX however high the hard one is.
        wanted = min(wanted, rlim_t(OPEN_MAX))
        #endif
        // "Unlimited" is not a number the kernel accepts for open files.
        if wanted == infinity { wanted = 1 << 20 }
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur == infinity ? 1 << 20 : Int(clamping: limit.rlim_cur)
    }

    /// The default `--max-connections`: what the limit leaves after the reserve.
    static func defaultMaxConnections(limit: Int) -> Int { max(16, limit - reserve) }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    private static let infinity = rlim_t.max  // RLIM_INFINITY, a macro Swift does not import here
    #else
    private static let resource = RLIMIT_NOFILE
    private static let infinity = RLIM_INFINITY
    #endif
}
