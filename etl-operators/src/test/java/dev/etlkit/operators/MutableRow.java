package dev.etlkit.operators;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.ChangelogGenerator;
import java.util.Objects;
import java.util.function.UnaryOperator;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A mutable row (a Flink POJO with a nested mutable POJO), as an upstream that reuses its output
 * object emits it: {@link #reusing()} and {@link #reusingChanges()} refill one instance, nested
 * object included, for every record, as Flink's POJO deserializer does with object reuse.
 */
public final class MutableRow {

  /** A nested mutable part. */
  public static final class Note {
    @Nullable public String text;

    public Note() {}

    public Note(@Nullable String text) {
      this.text = text;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Note n && Objects.equals(text, n.text);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(text);
    }

    @Override
    public String toString() {
      return String.valueOf(text);
    }
  }

  public static final TypeInformation<MutableRow> TYPE = TypeInformation.of(MutableRow.class);
  public static final TypeInformation<Note> NOTE = TypeInformation.of(Note.class);
  public static final TypeInformation<Change<MutableRow>> CHANGES = Change.typeInfo(TYPE);

  public String key;
  @Nullable public String text;
  public long version;
  public Note note = new Note();

  public MutableRow() {}

  public MutableRow(String key, @Nullable String text, long version) {
    this.key = key;
    this.text = text;
    this.version = version;
    this.note = new Note(text == null ? null : "note of " + text);
  }

  /** Rows {@code k<key>#v<version>} of the changelog generator; tombstones {@code k<key>#null}. */
  public static ChangelogGenerator<MutableRow> generator() {
    return ChangelogGenerator.of(
        new ChangelogGenerator.Rows<>() {
          @Override
          public MutableRow row(int key, int version) {
            return new MutableRow("k" + key, "v" + version, version);
          }

          @Override
          public MutableRow keyOnly(int key) {
            return new MutableRow("k" + key, null, 0);
          }
        });
  }

  /** An upstream that emits one row object for every record. */
  public static UnaryOperator<MutableRow> reusing() {
    MutableRow reused = new MutableRow();
    return reused::fill;
  }

  /** An upstream that emits a new change around one row object for every record. */
  public static UnaryOperator<Change<MutableRow>> reusingChanges() {
    MutableRow reused = new MutableRow();
    return change -> change.withValue(reused.fill(change.value()));
  }

  /** Makes this row, and its note, hold what {@code other} holds; returns this row. */
  public MutableRow fill(MutableRow other) {
    key = other.key;
    text = other.text;
    version = other.version;
    note.text = other.note.text;
    return this;
  }

  public String key() {
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MutableRow r
        && version == r.version
        && Objects.equals(key, r.key)
        && Objects.equals(text, r.text)
        && Objects.equals(note, r.note);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, text, version, note);
  }

  @Override
  public String toString() {
    return key + "#" + text + "(" + note + ")";
  }
}
