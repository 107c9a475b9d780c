/** Sample programs built only from symbols made with Rivet's SymbolBuilder. */
module dev.rivet.hello {
    requires transitive dev.rivet.linker;

    exports dev.rivet.hello;
}
