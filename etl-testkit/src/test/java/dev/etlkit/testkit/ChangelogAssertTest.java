package dev.etlkit.testkit;

import static dev.etlkit.testkit.ChangelogAssert.assertThatChangelog;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class ChangelogAssertTest {

  private static final List<Change<String>> CHANGELOG =
      List.of(
          Change.insert("k1#v1"),
          Change.insert("k2#v1"),
          Change.updateBefore("k1#v1"),
          Change.updateAfter("k1#v2"),
          Change.delete("k2#v1"),
          Change.insert("k3#v1"));

  @Test
  void materializesTo_matchingMapOrRows_passes() {
    // tag::changelog-assert[]
    assertThatChangelog(CHANGELOG)
        .materializesTo(Map.of("k1", "k1#v2", "k3", "k3#v1"), ChangelogGenerator::stringKey)
        .materializesTo(List.of("k3#v1", "k1#v2"), ChangelogGenerator::stringKey);
    // end::changelog-assert[]
  }

  @Test
  void materializesTo_differentTable_failsListingDifferences() {
    assertThatThrownBy(
            () ->
                assertThatChangelog(CHANGELOG)
                    .materializesTo(
                        Map.of("k1", "k1#v1", "k2", "k2#v1"), ChangelogGenerator::stringKey))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("key k1: expected k1#v1 but was k1#v2")
        .hasMessageContaining("key k2: missing, expected k2#v1")
        .hasMessageContaining("key k3: unexpected k3#v1")
        .hasMessageContaining("#4 -D[k2#v1]");
  }

  @Test
  void materializesTo_malformedChangelog_failsNamingRecord() {
    List<Change<String>> malformed = List.of(Change.insert("k1#v1"), Change.updateBefore("k1#v0"));

    assertThatThrownBy(
            () ->
                assertThatChangelog(malformed)
                    .materializesTo(Map.of(), ChangelogGenerator::stringKey))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "Malformed changelog: changelog record #1 -U[k1#v0]: retraction does not match the"
                + " live row of key k1: live k1#v1");
  }

  @Test
  void materializesTo_expectedRowsWithSameKey_isRejected() {
    assertThatThrownBy(
            () ->
                assertThatChangelog(CHANGELOG)
                    .materializesTo(List.of("k1#v1", "k1#v2"), ChangelogGenerator::stringKey))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected rows have the key k1 twice");
  }

  @Test
  void withKeyOnlyDeletes_tombstone_passes() {
    assertThatChangelog(List.of(Change.insert("k1#v1"), Change.delete("k1#")))
        .withKeyOnlyDeletes()
        .materializesTo(Map.of(), ChangelogGenerator::stringKey);
  }

  @Test
  void containsOnlyKinds_updateBeforeInUpsertStream_fails() {
    assertThatChangelog(List.of(Change.insert("k1#v1"), Change.updateAfter("k1#v2")))
        .containsOnlyKinds(RowKind.INSERT, RowKind.UPDATE_AFTER, RowKind.DELETE);

    assertThatThrownBy(
            () ->
                assertThatChangelog(CHANGELOG)
                    .containsOnlyKinds(RowKind.INSERT, RowKind.UPDATE_AFTER, RowKind.DELETE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("but record #2 is -U[k1#v1]");
  }

  @Test
  void materializesTo_byteArrayRows_comparesTheirContents() {
    List<Change<byte[]>> changelog =
        List.of(
            Change.insert(new byte[] {'k', '1', '#', '1'}),
            Change.insert(new byte[] {'k', '2', '#', '1'}));
    Function<byte[], String> key = row -> ChangelogGenerator.stringKey(new String(row, UTF_8));

    // Materializer and Change compare arrays by their contents; the table once compared by
    // identity.
    assertThatChangelog(changelog)
        .materializesTo(Map.of("k1", "k1#1".getBytes(UTF_8), "k2", "k2#1".getBytes(UTF_8)), key)
        .materializesTo(List.of("k2#1".getBytes(UTF_8), "k1#1".getBytes(UTF_8)), key);

    assertThatThrownBy(
            () ->
                assertThatChangelog(changelog)
                    .materializesTo(
                        Map.of("k1", "k1#1".getBytes(UTF_8), "k2", "k2#2".getBytes(UTF_8)), key))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("key k2: expected [107, 50, 35, 50] but was [107, 50, 35, 49]")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("key k1:").doesNotContain("[B@"));
  }

  @Test
  void failures_inALongChangelog_listTheRecordsBeforeTheFailingOne() {
    List<Change<String>> inserts = new ArrayList<>();
    for (int k = 0; k < 100; k++) {
      inserts.add(Change.insert("k" + k + "#v1"));
    }
    List<Change<String>> malformed = new ArrayList<>(inserts);
    malformed.set(90, Change.updateAfter("k90#v2"));
    malformed.add(91, Change.delete("k90#v1")); // #91: the live row is k90#v2

    // The listing showed records #0 to #39 only, none of them near the failing record.
    assertThatThrownBy(
            () -> assertThatChangelog(malformed).isWellFormed(ChangelogGenerator::stringKey))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("changelog record #91 -D[k90#v1]: retraction does not match")
        .hasMessageContaining("\n  #90 +U[k90#v2]\n  #91 -D[k90#v1]\n")
        .hasMessageContaining("changelog (101 records):");
    assertThatThrownBy(
            () -> assertThatChangelog(malformed).containsOnlyKinds(RowKind.INSERT, RowKind.DELETE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("but record #90 is +U[k90#v2]")
        .hasMessageContaining("\n  #89 +I[k89#v1]\n  #90 +U[k90#v2]\n");
  }

  @Test
  void isWellFormed_nullChangelog_fails() {
    assertThatThrownBy(
            () ->
                ChangelogAssert.<String>assertThatChangelog(null)
                    .isWellFormed(ChangelogGenerator::stringKey))
        .isInstanceOf(AssertionError.class);
  }
}
