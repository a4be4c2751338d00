package dev.etlkit.archfixture;

import dev.etlkit.archfixture.internal.Hidden;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.annotation.PublicEvolving;

/** Violates the leak rule on purpose, once per kind of signature position. */
@PublicEvolving
public class LeakyApi {
  public Hidden hidden;

  protected LeakyApi(Hidden hidden) {
    this.hidden = hidden;
  }

  public Hidden create() {
    return new Hidden();
  }

  public void accept(Hidden value) {
    this.hidden = value;
  }

  public List<Hidden> all() {
    return List.of(hidden);
  }

  public <T extends Hidden> T bounded() {
    return null;
  }

  public void fail() throws Hidden {
    throw new Hidden();
  }

  private Hidden privateUse() {
    return hidden;
  }

  Hidden packageUse() {
    return privateUse();
  }

  /** A public nested type is API too. */
  public static final class Nested {
    public Hidden get() {
      return new Hidden();
    }
  }

  /** A supertype is part of the signature. */
  public abstract static class Sub implements Supplier<Hidden> {}
}
