from tvix_store.nar_bridge.cli import main

main()
