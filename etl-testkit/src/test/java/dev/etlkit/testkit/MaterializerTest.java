package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaterializerTest {

  private static final Materializer<String, String> BY_KEY =
      Materializer.byKey(ChangelogGenerator::stringKey);

  @Test
  void materialize_insertUpdateDelete_returnsFinalTable() {
    // tag::materializer[]
    List<Change<String>> changelog =
        List.of(
            Change.insert("k1#v1"),
            Change.insert("k2#v1"),
            Change.updateBefore("k1#v1"),
            Change.updateAfter("k1#v2"),
            Change.delete("k2#v1"));

    Map<String, String> table =
        Materializer.<String, String>byKey(ChangelogGenerator::stringKey).materialize(changelog);

    assertThat(table).containsExactly(Map.entry("k1", "k1#v2"));
    // end::materializer[]
  }

  @Test
  void materialize_updateAfterWithoutBefore_upserts() {
    assertThat(
            BY_KEY.materialize(List.of(Change.updateAfter("k1#v1"), Change.updateAfter("k1#v2"))))
        .containsExactly(Map.entry("k1", "k1#v2"));
  }

  @Test
  void materialize_retractionOfUnseenKey_fails() {
    assertThatThrownBy(() -> BY_KEY.materialize(List.of(Change.delete("k1#v1"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("changelog record #0 -D[k1#v1]: retraction of unseen key k1");
  }

  @Test
  void materialize_retractionAfterRetraction_failsAsNotLive() {
    assertThatThrownBy(
            () ->
                BY_KEY.materialize(
                    List.of(
                        Change.insert("k1#v1"), Change.delete("k1#v1"), Change.delete("k1#v1"))))
        .hasMessage(
            "changelog record #2 -D[k1#v1]: retraction of key k1, which is not live (already"
                + " retracted)");
  }

  @Test
  void materialize_retractionNotMatchingLiveRow_fails() {
    assertThatThrownBy(
            () -> BY_KEY.materialize(List.of(Change.insert("k1#v1"), Change.delete("k1#v2"))))
        .hasMessage(
            "changelog record #1 -D[k1#v2]: retraction does not match the live row of key k1:"
                + " live k1#v1");
  }

  @Test
  void materialize_updateBeforeNotFollowedByUpdateAfterOfSameKey_fails() {
    assertThatThrownBy(
            () ->
                BY_KEY.materialize(
                    List.of(
                        Change.insert("k1#v1"),
                        Change.insert("k2#v1"),
                        Change.updateBefore("k1#v1"),
                        Change.updateAfter("k2#v2"))))
        .hasMessage(
            "changelog record #2 -U[k1#v1]: UPDATE_BEFORE of key k1 is not followed by an"
                + " UPDATE_AFTER for the same key; next is #3 +U[k2#v2]");
  }

  @Test
  void materialize_updateBeforeAsLastRecord_fails() {
    assertThatThrownBy(
            () -> BY_KEY.materialize(List.of(Change.insert("k1#v1"), Change.updateBefore("k1#v1"))))
        .hasMessage(
            "changelog record #1 -U[k1#v1]: UPDATE_BEFORE of key k1 is the last record; no"
                + " UPDATE_AFTER follows");
  }

  @Test
  void materialize_duplicateInsertOfLiveKey_fails() {
    assertThatThrownBy(
            () -> BY_KEY.materialize(List.of(Change.insert("k1#v1"), Change.insert("k1#v2"))))
        .hasMessage("changelog record #1 +I[k1#v2]: duplicate INSERT of live key k1 (live: k1#v1)");
  }

  @Test
  void withKeyOnlyDeletes_tombstone_retractsByKey() {
    List<Change<String>> changelog = List.of(Change.insert("k1#v1"), Change.delete("k1#"));

    assertThat(BY_KEY.withKeyOnlyDeletes().materialize(changelog)).isEmpty();
    assertThatThrownBy(() -> BY_KEY.materialize(changelog))
        .hasMessageContaining("retraction does not match the live row of key k1");
  }
}
