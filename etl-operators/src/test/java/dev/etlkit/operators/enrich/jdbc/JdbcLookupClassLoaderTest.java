package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDBC lookup with its driver in the job's jar, across restarts on one TaskManager: each
 * attempt of a submitted job gets a new user-code class loader ({@link JobClassLoader}), while
 * {@link DriverManager} lives as long as the TaskManager and still holds the drivers earlier
 * attempts registered (here, the one the test class loader registered).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcLookupClassLoaderTest {

  /** pgjdbc's clean-up thread (its own, daemon) ends after this idle time; default 30 s. */
  private static final String CLEANER_TTL = "pgjdbc.config.cleanup.thread.ttl";

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  @Nullable private static String cleanerTtl;

  @BeforeAll
  static void shortenTheDriversCleanerTtl_registerADriverOfAnotherClassLoader() {
    cleanerTtl = System.setProperty(CLEANER_TTL, "200");
    // A TaskManager after the job's first attempt: a PostgreSQL driver of another class loader
    // is registered.
    assertThat(Collections.list(DriverManager.getDrivers()))
        .extracting(d -> d.getClass().getName())
        .contains("org.postgresql.Driver");
  }

  @AfterAll
  static void restoreTheDriversCleanerTtl() {
    if (cleanerTtl == null) {
      System.clearProperty(CLEANER_TTL);
    } else {
      System.setProperty(CLEANER_TTL, cleanerTtl);
    }
  }

  private static Map<String, Object> attempt(JobClassLoader job, @Nullable String driverClassName)
      throws Exception {
    Map<String, Object> input = new HashMap<>();
    input.put("url", DATABASE.get().url());
    input.put("driverClassName", driverClassName);
    return job.run(JdbcLookupInAJob.class, input);
  }

  @ParameterizedTest(name = "driverClassName {0}")
  @NullSource
  @ValueSource(strings = "org.postgresql.Driver")
  void open_inTheClassLoaderOfEachRestart_findsTheDriverOfTheJobJar(
      @Nullable String driverClassName) throws Exception {
    for (int attempt = 1; attempt <= 3; attempt++) {
      JobClassLoader job = JobClassLoader.create();

      Map<String, Object> result = attempt(job, driverClassName);

      assertThat(result).as("attempt %s", attempt).containsEntry("name", "Customer 1");
      job.release();
    }
  }

  @ParameterizedTest(name = "driverClassName {0}")
  @NullSource
  @ValueSource(strings = "org.postgresql.Driver")
  void releaseOfTheJobClassLoader_deregistersTheDriverOfTheJobJar_andTheLoaderIsCollected(
      @Nullable String driverClassName) throws Exception {
    JobClassLoader job = JobClassLoader.create();
    Map<String, Object> result = attempt(job, driverClassName);
    assertThat(result).containsEntry("name", "Customer 1");

    job.release();

    assertThat(job.isCollectedWithin(Duration.ofSeconds(10)))
        .as("the job's class loader is collected")
        .isTrue();
    assertThat(result).containsEntry("hooks", JdbcLookup.DEREGISTER_DRIVERS_HOOK);
  }
}
