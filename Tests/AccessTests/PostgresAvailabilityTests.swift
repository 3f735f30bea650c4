import Testing

/// CI must not pass by silently skipping PostgreSQL.
@Test func postgresVariantsRunOrSaySoClearly() {
    guard Backend.postgresURL == nil else { return }
    if Backend.isCI {
        Issue.record("CI=true but BASESERVE_TEST_POSTGRES_URL is not set: the PostgreSQL variants of the access store tests cannot run (see scripts/postgres.sh).")
    } else {
        print("⚠︎ Skipping the PostgreSQL variants of the access store tests: BASESERVE_TEST_POSTGRES_URL is not set (export BASESERVE_TEST_POSTGRES_URL=$(scripts/postgres.sh)).")
    }
}
