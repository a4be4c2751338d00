package dev.etlkit.testkit;

/**
 * A POJO held in state by the user code class loader tests of {@link KeyedHarnessTest}, which load
 * a second copy of it (the same name, another class) in a class loader of their own.
 */
public class SampleTag {
  public String tag;
}
