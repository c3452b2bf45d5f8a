from tvix_store.cli import main

main()
