package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;

/**
 * One record of a {@link GeneratedChangelog}, in delivery order, with what the generator did to it.
 * Tags are computed from the delivered sequence, so they are the truth, not the intent: a record is
 * {@link Tag#LATE} exactly when its event time is at or behind the last watermark delivered before
 * it.
 *
 * @param change the delivered change; its event time is the element timestamp, its source position
 *     is {@code sourceIndex}
 * @param sourceIndex position of the change in {@link GeneratedChangelog#sourceOrder()}
 * @param tags what is special about this delivery (unmodifiable)
 * @param <T> row type
 */
@PublicEvolving
public record Generated<T>(Change<T> change, int sourceIndex, Set<Tag> tags) {

  /** What is special about a delivered record. */
  @PublicEvolving
  public enum Tag {
    /** An exact redelivery of an earlier record (same kind, value, event time, position). */
    DUPLICATE,
    /** Event time behind the largest event time delivered before it. */
    OUT_OF_ORDER,
    /** Event time at or behind the last watermark delivered before it. */
    LATE,
    /** A delete carrying only the key (a Kafka tombstone), not the last row image. */
    TOMBSTONE
  }

  public Generated {
    Objects.requireNonNull(change, "change");
    Objects.requireNonNull(tags, "tags");
    tags = tags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(tags));
  }

  /** True when the record has the tag. */
  public boolean is(Tag tag) {
    return tags.contains(tag);
  }

  @Override
  public String toString() {
    return change + (tags.isEmpty() ? "" : " " + EnumSet.copyOf(tags));
  }
}
