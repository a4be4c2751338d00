package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A batch against key columns the database compares otherwise than Java's {@code equals}: one of a
 * case-insensitive collation (ICU, nondeterministic) and a blank-padded {@code char(n)} one, on a
 * real PostgreSQL. Each key of a batch gets the row its single lookup gets; a batch that read back
 * rows of keys it did not send asks its keys left without a row alone, and counts them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcLookupCollationTest {

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  private static final String ASKED_ALONE = "jdbcLookup." + JdbcLookupMetrics.KEYS_ASKED_ALONE;

  @BeforeAll
  static void tables() throws Exception {
    DATABASE
        .get()
        .execute(
            "CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2',"
                + " deterministic = false)",
            "CREATE TABLE brands (code text COLLATE case_insensitive PRIMARY KEY,"
                + " label text NOT NULL)",
            "INSERT INTO brands VALUES ('ACME', 'Acme Corp'), ('Globex', 'Globex Inc')",
            "CREATE TABLE sizes (code char(6) PRIMARY KEY, label text NOT NULL)",
            "INSERT INTO sizes VALUES ('xs', 'extra small'), ('xl', 'extra large')",
            "GRANT SELECT ON brands, sizes TO " + TestDatabase.READER);
  }

  private final LookupTesting lookups = new LookupTesting();
  private final RecordingLookupContext context = new RecordingLookupContext();

  @AfterEach
  void close() throws Exception {
    lookups.closeAll();
  }

  private JdbcLookup<String, String> open(JdbcLookup<String, String> lookup) throws Exception {
    return lookups.open(
        lookup.withCredentials(
            JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)),
        context);
  }

  /** The text in {@code column} of the row whose {@code keyColumn} holds the key. */
  private static JdbcLookup<String, String> read(
      String table, String keyColumn, JdbcKey<String> key, String column) {
    return JdbcLookup.table(
        DATABASE.get().url(), table, keyColumn, key, row -> row.getString(column));
  }

  private static JdbcLookup<String, String> labels(String table, JdbcLookup.BatchQuery query) {
    return read(table, "code", JdbcKey.text(), "label").withBatchQuery(query);
  }

  /**
   * "acme" and "GLOBEX" are found by their single lookups (the column's collation); the batch's
   * rows read back as "ACME" and "Globex", keys it did not send. Those keys used to be misses of
   * the batch.
   */
  @ParameterizedTest
  @EnumSource(
      value = JdbcLookup.BatchQuery.class,
      names = {"ANY_ARRAY", "IN_LIST"})
  void caseInsensitiveColumn_eachKeyGetsTheRowOfItsSingleLookup(JdbcLookup.BatchQuery query)
      throws Exception {
    JdbcLookup<String, String> lookup = open(labels("brands", query));

    assertThat(LookupTesting.await(lookup.lookup("acme"))).contains("Acme Corp");
    Map<String, String> batch =
        LookupTesting.await(lookup.lookupAll(List.of("acme", "GLOBEX", "Initech")));

    assertThat(batch).isEqualTo(Map.of("acme", "Acme Corp", "GLOBEX", "Globex Inc"));
    // The three keys without a row of their spelling, the miss included.
    assertThat(context.count(ASKED_ALONE)).isEqualTo(3);
  }

  /** A key spelled as its row is found by the batch itself; only the other is asked alone. */
  @Test
  void caseInsensitiveColumn_keySpelledAsItsRow_isNotAskedAgain() throws Exception {
    JdbcLookup<String, String> lookup = open(labels("brands", JdbcLookup.BatchQuery.ANY_ARRAY));

    Map<String, String> batch = LookupTesting.await(lookup.lookupAll(List.of("ACME", "globex")));

    assertThat(batch).isEqualTo(Map.of("ACME", "Acme Corp", "globex", "Globex Inc"));
    assertThat(context.count(ASKED_ALONE)).isEqualTo(1);
  }

  /**
   * Two keys of one call the collation takes as one, and one row: the row goes to the key spelled
   * as it; the other is a miss of the batch (the documented limit: nothing says the database
   * matched it too).
   */
  @Test
  void caseInsensitiveColumn_twoSpellingsInOneCall_onlyTheRowsSpellingFindsIt() throws Exception {
    JdbcLookup<String, String> lookup = open(labels("brands", JdbcLookup.BatchQuery.ANY_ARRAY));

    Map<String, String> batch = LookupTesting.await(lookup.lookupAll(List.of("acme", "ACME")));

    assertThat(batch).isEqualTo(Map.of("ACME", "Acme Corp"));
    assertThat(context.count(ASKED_ALONE)).isZero();
  }

  /**
   * A binder giving the keys the collation takes as one a single form (upper case): every spelling
   * gets the row in one statement, none asked alone (enrichment-lookups.md's advice).
   */
  @Test
  void caseInsensitiveColumn_upperCasingBinder_everySpellingFindsItsRow() throws Exception {
    JdbcLookup<String, String> lookup =
        open(
            read(
                "brands",
                "code",
                JdbcKey.of("text", k -> k.toUpperCase(Locale.ROOT), ResultSet::getString),
                "label"));

    Map<String, String> batch =
        LookupTesting.await(lookup.lookupAll(List.of("acme", "ACME", "globex", "Initech")));

    assertThat(batch)
        .isEqualTo(Map.of("acme", "Acme Corp", "ACME", "Acme Corp", "globex", "Globex Inc"));
    assertThat(context.count(ASKED_ALONE)).isZero();
  }

  /**
   * {@code char(6)} reads back "xs" and four spaces: the keys "xs" and "xl" still get their rows.
   */
  @Test
  void blankPaddedColumn_eachKeyGetsTheRowOfItsSingleLookup() throws Exception {
    JdbcLookup<String, String> lookup = open(labels("sizes", JdbcLookup.BatchQuery.ANY_ARRAY));

    assertThat(LookupTesting.await(lookup.lookup("xs"))).isEqualTo(Optional.of("extra small"));
    Map<String, String> batch = LookupTesting.await(lookup.lookupAll(List.of("xs", "xl", "m")));

    assertThat(batch).isEqualTo(Map.of("xs", "extra small", "xl", "extra large"));
    assertThat(context.count(ASKED_ALONE)).isEqualTo(3);
  }

  /**
   * A column compared exactly, as PostgreSQL's {@code text}: a batch's misses are misses, none is
   * asked again.
   */
  @Test
  void exactColumn_missesAreNotAskedAgain() throws Exception {
    JdbcLookup<String, String> lookup = open(read("customers", "id", JdbcKey.text(), "name"));

    Map<String, String> batch =
        LookupTesting.await(lookup.lookupAll(List.of("c-1", "C-2", "c-99999")));

    assertThat(batch).isEqualTo(Map.of("c-1", "Customer 1"));
    assertThat(context.count(ASKED_ALONE)).isZero();
  }
}
