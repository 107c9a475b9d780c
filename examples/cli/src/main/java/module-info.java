/** The {@code rivet} command: the demo today, {@code ld} and {@code ld64} drivers later. */
module dev.rivet.cli {
    requires dev.rivet.linker;
    requires dev.rivet.hello;
    requires org.slf4j;
}
