package dev.etlkit.scd;

import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * An entity with {@link Tag} columns: {@code tag} tracked, {@code phone} a Type-1 column, {@code
 * note} neither (compared only where whole rows are), {@code seq} its tie-break sequence and {@code
 * at} its effective time.
 */
public record Tagged(String id, Tag tag, String phone, Tag note, long seq, Instant at) {

  public static final TypeInformation<Tagged> TYPE = TypeInformation.of(Tagged.class);

  /** Tag {@code tag}, phone 555, note "ok", sequence 0, as of the given day of January 2024. */
  public static Tagged of(String id, String tag, int dayOfMonth) {
    return new Tagged(id, Tag.of(tag), "555", Tag.of("ok"), 0L, Brief.day(dayOfMonth));
  }

  public Tagged withPhone(String newPhone) {
    return new Tagged(id, tag, newPhone, note, seq, at);
  }

  public Tagged withNote(String newNote) {
    return new Tagged(id, tag, phone, Tag.of(newNote), seq, at);
  }

  public Tagged withSeq(long newSeq) {
    return new Tagged(id, tag, phone, note, newSeq, at);
  }

  @Override
  public String toString() {
    return tag + "/" + phone + "/" + note + "/" + seq;
  }
}
