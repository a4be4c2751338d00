package dev.etlkit.scd;

import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * An attribute value whose {@code equals} and {@code hashCode} throw for the name {@link #POISON},
 * as a broken user type may: its exception's message carries the value, which a dead letter's
 * message must not.
 */
public final class Tag {

  public static final TypeInformation<Tag> TYPE = TypeInformation.of(Tag.class);

  /** The name whose comparison throws. */
  public static final String POISON = "poison-4711";

  public String name;

  public Tag() {}

  public Tag(String name) {
    this.name = name;
  }

  public static Tag of(String name) {
    return new Tag(name);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Tag)) {
      return false;
    }
    String other = ((Tag) o).name;
    if (POISON.equals(name) || POISON.equals(other)) {
      throw new IllegalStateException("cannot compare " + name + " with " + other);
    }
    return Objects.equals(name, other);
  }

  @Override
  public int hashCode() {
    if (POISON.equals(name)) {
      throw new IllegalStateException("cannot hash " + name);
    }
    return Objects.hashCode(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
